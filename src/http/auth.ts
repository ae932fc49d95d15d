import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import type { AppEnv } from "./context";
import { errorResponse } from "./errors";

/** The one route a browser's EventSource reads, which cannot send headers: it may carry the token as `?access_token=`. */
const EVENT_STREAM = /^\/api\/projects\/[^/]+\/turns\/[^/]+\/events$/;

/**
 * When `API_TOKEN` is set, requires `Authorization: Bearer <API_TOKEN>`
 * (or, on a turn's event stream only, `?access_token=<API_TOKEN>`). The
 * comparison hashes both sides first, so it takes the same time whatever
 * the token's length or content.
 */
export function bearerToken(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.env.API_TOKEN;
    if (!expected) return next();
    const header = /^Bearer\s+(.+)$/i.exec(c.req.header("Authorization") ?? "")?.[1]?.trim();
    const offered = header ?? (EVENT_STREAM.test(c.req.path) ? c.req.query("access_token") : undefined);
    if (offered === undefined || !(await timingSafeEqual(expected, offered))) {
      c.header("WWW-Authenticate", 'Bearer realm="api"');
      return errorResponse(c, "unauthorized", "Send the API token as 'Authorization: Bearer <API_TOKEN>'.");
    }
    return next();
  };
}
