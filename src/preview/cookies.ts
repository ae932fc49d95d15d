/**
 * Makes every cookie an app's server sets host-only: a `Domain` attribute
 * would let one preview plant cookies in every other preview under the same
 * parent domain (`Domain=preview.localhost`), so it is removed and the cookie
 * stays with the origin that set it. Other attributes are kept as sent.
 */
export function hostOnlyCookies(response: Response): Response {
  const cookies = response.headers.getSetCookie();
  if (!cookies.some(hasDomain)) return response;
  const headers = new Headers(response.headers);
  headers.delete("Set-Cookie");
  for (const cookie of cookies) headers.append("Set-Cookie", withoutDomain(cookie));
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
    ...(response.webSocket ? { webSocket: response.webSocket } : {}),
  });
}

const DOMAIN_ATTRIBUTE = /^\s*domain\s*(=|$)/i;

function hasDomain(cookie: string): boolean {
  return cookie
    .split(";")
    .slice(1)
    .some((attribute) => DOMAIN_ATTRIBUTE.test(attribute));
}

function withoutDomain(cookie: string): string {
  const [pair, ...attributes] = cookie.split(";");
  return [pair, ...attributes.filter((attribute) => !DOMAIN_ATTRIBUTE.test(attribute))].join(";");
}
