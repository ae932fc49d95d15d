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
    // The strictest setting that keeps the playground's frames working: the playground is another site than its
    // previews, and a framed page gets no Lax or Strict cookie at all (its site for cookies is the playground's), so
    // the cookie must be SameSite=None, and Partitioned, kept per framing site. Browsers take Secure (and so None)
    // over https and on *.localhost. What None would let through (another preview or site sending the cookie along)
    // is refused below by Sec-Fetch-Site.
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
  if (fromElsewhere(request)) return refusedFromElsewhere();
  const headers = new Headers(request.headers);
  const others = cookies.filter((cookie) => !cookie.startsWith(`${COOKIE}=`));
  if (others.length > 0) headers.set("Cookie", others.join("; "));
  else headers.delete("Cookie");
  return new Request(request, { headers });
}

/**
 * The cookie is for the preview's own pages, its user opening it, and the
 * playground framing it (a GET navigation from another site). A request
 * another preview made (same-site: previews share `preview.localhost`
 * locally), or another site's fetch or form POST, is refused with it, so one
 * preview cannot act as the user on another.
 */
function fromElsewhere(request: Request): boolean {
  const site = request.headers.get("Sec-Fetch-Site");
  if (site === "same-site") return true;
  if (site !== "cross-site") return false;
  return request.headers.get("Sec-Fetch-Mode") !== "navigate" || (request.method !== "GET" && request.method !== "HEAD");
}

function refusedFromElsewhere(): Response {
  return new Response(
    "<!doctype html><title>Access needed</title><h1>Access needed</h1><p>This preview takes its access cookie only from its own pages. Open it through the <code>previewUrl</code> the API returns.</p>\n",
    { status: 403, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } },
  );
}

function denied(): Response {
  return new Response(
    "<!doctype html><title>Access needed</title><h1>Access needed</h1><p>Open this preview through the <code>previewUrl</code> the API returns (it carries an access token).</p>\n",
    { status: 401, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } },
  );
}
