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
  404: "Unknown project, version or file",
  409: "The base is not the head (`conflict`, with `head`)",
  413: "Over a size or count limit",
};

export function errors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, json(ERROR_DESCRIPTIONS[status]!, ErrorSchema)]));
}
