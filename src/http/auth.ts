import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import { accessToken } from "../preview";
import type { AppEnv } from "./app-env";
import { errorResponse } from "./api-errors";

/** The one route a browser's EventSource reads, which cannot send headers. */
const EVENT_STREAM = /^\/api\/projects\/([^/]+)\/turns\/([^/]+)\/events$/;

/** The `?access=` token of one turn's event stream: it opens that stream only, and is not API_TOKEN. */
export function eventsAccessToken(apiToken: string, projectId: string, turnId: string): Promise<string> {
  return accessToken(apiToken, `events:${projectId}:${turnId}`);
}

/**
 * When `API_TOKEN` is set, requires `Authorization: Bearer <API_TOKEN>`, or
 * on a turn's event stream the `?access=` token of its `eventsUrl`. The
 * comparison hashes both sides first, so it takes the same time whatever
 * the token's length or content.
 */
export function bearerToken(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.env.API_TOKEN;
    if (!expected) return next();
    const header = /^Bearer\s+(.+)$/i.exec(c.req.header("Authorization") ?? "")?.[1]?.trim();
    const stream = EVENT_STREAM.exec(c.req.path);
    const access = c.req.query("access");
    const allowed =
      header !== undefined
        ? await timingSafeEqual(expected, header)
        : stream !== null &&
          access !== undefined &&
          (await timingSafeEqual(await eventsAccessToken(expected, stream[1]!, stream[2]!), access));
    if (!allowed) {
      c.header("WWW-Authenticate", 'Bearer realm="api"');
      return errorResponse(c, "unauthorized", "Send the API token as 'Authorization: Bearer <API_TOKEN>'.");
    }
    return next();
  };
}
