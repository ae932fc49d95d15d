import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import type { AppEnv } from "./context";
import { errorResponse } from "./errors";

/**
 * When `API_TOKEN` is set, requires `Authorization: Bearer <API_TOKEN>`.
 * The comparison hashes both sides first, so it takes the same time whatever
 * the token's length or content.
 */
export function bearerToken(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.env.API_TOKEN;
    if (!expected) return next();
    const match = /^Bearer\s+(.+)$/i.exec(c.req.header("Authorization") ?? "");
    if (!match || !(await timingSafeEqual(expected, match[1]!.trim()))) {
      c.header("WWW-Authenticate", 'Bearer realm="api"');
      return errorResponse(c, "unauthorized", "Send the API token as 'Authorization: Bearer <API_TOKEN>'.");
    }
    return next();
  };
}
