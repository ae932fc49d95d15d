import type { z } from "@hono/zod-openapi";
import { ErrorSchema } from "../schemas";

/** Small builders for the OpenAPI route descriptions. */
export function json(description: string, schema: z.ZodType) {
  return { description, content: { "application/json": { schema } } };
}

export function jsonBody(schema: z.ZodType) {
  return { required: true, content: { "application/json": { schema } } };
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input (code names the rule)",
  401: "`unauthorized`: API_TOKEN is set and the bearer token is missing or wrong",
  403: "`host_not_allowed` (Host is not localhost, an IP address or in API_HOSTS) or `origin_not_allowed` (a browser page of an origin not in CORS_ORIGINS, or a preview)",
  404: "Unknown project, version or file",
  409: "The base is not the head (`conflict`, with `head`)",
  413: "Over a size or count limit",
};

/** Error responses of a route; every route can also answer 401 and 403. */
export function errors(...statuses: number[]) {
  return Object.fromEntries([...statuses, 401, 403].map((status) => [status, json(ERROR_DESCRIPTIONS[status]!, ErrorSchema)]));
}
