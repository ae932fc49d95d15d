import type { Context } from "hono";
import type { z } from "@hono/zod-openapi";
import type { VersionRef } from "../store";
import { ApiError } from "./api-errors";
import { PROJECT_ID, VERSION_NUMBER } from "./schemas";

/**
 * Parses the body as JSON whatever its Content-Type (so `curl -d` works
 * without `-H`), then validates it. An empty body counts as `{}`.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ApiError("invalid_json", `The request body is not valid JSON: ${(error as Error).message}.`);
    }
  }
  return validate(schema, value, "body");
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return validate(schema, c.req.query(), "query");
}

function validate<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  const first = issues[0]!;
  throw new ApiError(
    "invalid_request",
    `Invalid ${where}: ${first.path ? `${first.path}: ` : ""}${first.message}.`,
    { issues },
  );
}

/** A syntactically impossible id is simply an unknown project. */
export function projectId(raw: string): string {
  if (!PROJECT_ID.test(raw)) throw new ApiError("not_found", `Project ${JSON.stringify(raw)} not found.`);
  return raw;
}

/** `N` (a positive integer) or `draft`; `allowEmpty` admits 0, the empty tree before version 1. */
export function versionRef(raw: string | undefined, name: string, allowEmpty = false): VersionRef | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (raw === "draft") return "draft";
  if (VERSION_NUMBER.test(raw) || (allowEmpty && raw === "0")) return Number(raw);
  throw new ApiError(
    "invalid_request",
    `${name} must be a version number${allowEmpty ? " (0 for the empty tree)" : ""} or "draft", got ${JSON.stringify(raw)}.`,
  );
}
