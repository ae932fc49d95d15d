import type { z } from "@hono/zod-openapi";
import { ErrorSchema } from "../schemas";

/** Small builders for the route definitions; generic, so handlers and the playground see each schema's type. */
export function json<S extends z.ZodType>(description: string, schema: S) {
  return { description, content: { "application/json": { schema } } };
}

export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { "application/json": { schema } } };
}

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413;

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: "Invalid input (code names the rule)",
  401: "`unauthorized`: API_TOKEN is set and the bearer token is missing or wrong",
  403: "`host_not_allowed` (Host is not localhost, an IP address or in API_HOSTS) or `origin_not_allowed` (a browser page of an origin not in CORS_ORIGINS, or a preview)",
  404: "Unknown project, version or file",
  409: "The base is not the head (`conflict`, with `head`)",
  413: "Over a size or count limit",
};

/** Error responses of a route; every route can also answer 401 and 403. */
export function errors<S extends ErrorStatus>(...statuses: S[]) {
  const entries = [...statuses, 401 as const, 403 as const].map((status) => [status, json(ERROR_DESCRIPTIONS[status], ErrorSchema)]);
  return Object.fromEntries(entries) as Record<S | 401 | 403, ReturnType<typeof json<typeof ErrorSchema>>>;
}

/**
 * A definition's path may follow a parameter with Hono's pattern for it (`{path}{.+}`: the rest of the
 * URL, slashes included); zod-openapi hands it on to Hono (`:path{.+}`), and the document leaves it out.
 */
export function documentedPath(path: string): string {
  return path.replaceAll(/(?<=\})\{[^}]*\}/g, "");
}
