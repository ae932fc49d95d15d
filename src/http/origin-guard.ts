import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { corsOriginsFromEnv, ownHostsFromEnv } from "../server-config";
import { apiAnswersOn, isIpLiteral, parsePreviewHost } from "../preview";
import type { AppEnv } from "./app-env";
import { errorResponse } from "./api-errors";

/**
 * Which browsers may call the API, checked before any route runs (the rules
 * Vite adopted after CVE-2025-24010):
 *
 * - `Host` must be an IP address, `localhost` or `*.localhost`, or a name in
 *   API_HOSTS. Any other name is a DNS-rebinding attempt: a hostile site
 *   whose name resolves to this machine, where its pages would count as the
 *   API's own origin. → 403 `host_not_allowed`.
 * - A request with an `Origin` (every cross-origin fetch and every form POST
 *   has one) must come from the API's own origin or one listed in
 *   CORS_ORIGINS, and never from a preview origin, whatever is listed. Refused
 *   before any route runs, so a "simple" request that CORS would let through
 *   (a cross-site form POST) changes nothing. → 403 `origin_not_allowed`.
 *
 * Requests without `Origin` (curl, server-side clients, same-origin GETs,
 * navigations) pass: another page cannot read what they answer. Allowed
 * cross-origin callers get CORS headers for bearer-token calls (no cookies).
 */
export function originGuard(): MiddlewareHandler<AppEnv> {
  const corsHeaders = cors({
    origin: (origin) => origin,
    allowHeaders: ["Authorization", "Content-Type", "If-None-Match", "Last-Event-ID"],
    allowMethods: ["GET", "HEAD", "POST", "PUT", "DELETE"],
    exposeHeaders: ["ETag"],
    maxAge: 600,
  });
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (!hostAllowed(url.hostname, ownHostsFromEnv(c.env).apiHosts)) {
      return errorResponse(
        c,
        "host_not_allowed",
        `This server does not answer on the host ${JSON.stringify(url.hostname)}. It answers on localhost and IP addresses; add other names to API_HOSTS (e.g. API_HOSTS=${url.hostname}).`,
        { host: url.hostname },
      );
    }
    const origin = c.req.header("Origin");
    if (origin === undefined) return next();
    const refusal = originRefusal(origin, url.origin, c.env);
    if (refusal) return errorResponse(c, "origin_not_allowed", refusal, { origin });
    return corsHeaders(c, next);
  };
}

function hostAllowed(hostname: string, apiHosts: string[]): boolean {
  return isIpLiteral(hostname.toLowerCase()) || apiAnswersOn(hostname, apiHosts);
}

/** Why a browser page of `origin` may not call the API at `ownOrigin`, or null when it may. */
function originRefusal(origin: string, ownOrigin: string, env: AppEnv["Bindings"]): string | null {
  let parsed: URL | undefined;
  try {
    parsed = origin === "null" ? undefined : new URL(origin);
  } catch {
    parsed = undefined;
  }
  if (!parsed) return `Requests from an opaque origin (${JSON.stringify(origin)}) may not call this API.`;
  if (parsePreviewHost(parsed.host, ownHostsFromEnv(env))) {
    return `Preview pages may never call this API (request from ${origin}): they run code that a model wrote.`;
  }
  if (parsed.origin === ownOrigin || corsOriginsFromEnv(env).includes(parsed.origin)) return null;
  return `Pages of ${origin} may not call this API. To allow a browser client there, add its origin to CORS_ORIGINS (e.g. CORS_ORIGINS=${origin}).`;
}
