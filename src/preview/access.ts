import { timingSafeEqual } from "hono/utils/buffer";

const COOKIE = "preview_access";

/**
 * When the API needs a token, so do previews: `previewUrl` carries
 * `?access=<token>` (an HMAC of the project id under API_TOKEN, so nothing is
 * stored and a new API_TOKEN revokes every link), which the preview trades
 * for an HttpOnly cookie on its own origin.
 */
export function previewAccessToken(apiToken: string, projectId: string): Promise<string> {
  return accessToken(apiToken, `preview:${projectId}`);
}

/** A token for one purpose, derived from API_TOKEN (HMAC-SHA-256): it grants that purpose only, and never reveals API_TOKEN. */
export async function accessToken(apiToken: string, purpose: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(apiToken), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(purpose));
  return Buffer.from(mac).toString("base64url");
}

/**
 * Checks a preview request. Returns a response to send instead (the cookie
 * exchange redirect, or 401), or the request to serve with our cookie
 * removed, so the app never sees the token.
 */
export async function checkPreviewAccess(request: Request, apiToken: string | undefined, projectId: string): Promise<Response | Request> {
  if (!apiToken) return request;
  const expected = await previewAccessToken(apiToken, projectId);
  const url = new URL(request.url);
  const offered = url.searchParams.get("access");
  if (offered !== null) {
    if (!(await timingSafeEqual(expected, offered))) return denied();
    url.searchParams.delete("access");
    // Previews are framed by the playground, another site: a Lax cookie would not be kept there. Browsers take
    // Secure (and so SameSite=None, partitioned by the framing site) over https and on *.localhost.
    const secure = url.protocol === "https:" || url.hostname === "localhost" || url.hostname.endsWith(".localhost");
    return new Response(null, {
      status: 302,
      headers: {
        Location: url.pathname + url.search,
        "Set-Cookie": `${COOKIE}=${expected}; Path=/; HttpOnly; ${secure ? "SameSite=None; Secure; Partitioned" : "SameSite=Lax"}`,
        "Cache-Control": "no-store",
      },
    });
  }
  const cookies = (request.headers.get("Cookie") ?? "").split(/;\s*/).filter(Boolean);
  // Another page may have planted a cookie of this name too (scripts can set parent-domain cookies), so any match counts.
  const offeredCookies = cookies.filter((cookie) => cookie.startsWith(`${COOKIE}=`)).map((cookie) => cookie.slice(COOKIE.length + 1));
  let valid = false;
  for (const candidate of offeredCookies) valid = (await timingSafeEqual(expected, candidate)) || valid;
  if (!valid) return denied();
  const headers = new Headers(request.headers);
  const others = cookies.filter((cookie) => !cookie.startsWith(`${COOKIE}=`));
  if (others.length > 0) headers.set("Cookie", others.join("; "));
  else headers.delete("Cookie");
  return new Request(request, { headers });
}

function denied(): Response {
  return new Response(
    "<!doctype html><title>Access needed</title><h1>Access needed</h1><p>Open this preview through the <code>previewUrl</code> the API returns (it carries an access token).</p>\n",
    { status: 401, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } },
  );
}
