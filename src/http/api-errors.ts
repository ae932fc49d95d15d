import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ProjectError, type ProjectErrorCode } from "../project";
import { StoreError, type StoreErrorCode } from "../store";

/** Error codes the HTTP layer itself produces. */
export const API_ERROR_CODES = [
  "invalid_json",
  "invalid_request",
  "unauthorized",
  "host_not_allowed",
  "origin_not_allowed",
  "route_not_found",
  "method_not_allowed",
  "model_not_configured",
  "internal_error",
] as const;

export type ErrorCode = StoreErrorCode | ProjectErrorCode | (typeof API_ERROR_CODES)[number];

/** The one status table: every error code maps to exactly one status. */
const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_json: 400,
  invalid_request: 400,
  invalid_path: 400,
  invalid_content: 400,
  path_conflict: 400,
  invalid_settings: 400,
  unauthorized: 401,
  host_not_allowed: 403,
  origin_not_allowed: 403,
  not_found: 404,
  missing_path: 400,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  project_exists: 409,
  turn_in_progress: 409,
  too_large: 413,
  internal_error: 500,
  model_not_configured: 503,
};

/** An error answered as `{"error": {code, message, ...details}}` with the code's status. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Codes answered under another name: docs/api.md calls a missing path in a commit `not_found`, with status 400. */
const PUBLIC_CODE: Partial<Record<ErrorCode, string>> = { missing_path: "not_found" };

/** Every error the API can answer, as `[public code, status]` pairs (docs/api.md lists them). */
export function publicErrorStatuses(): [string, number][] {
  return (Object.keys(STATUS) as ErrorCode[]).map((code) => [PUBLIC_CODE[code] ?? code, STATUS[code]]);
}

export function errorResponse(c: Context, code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
  return c.json({ error: { code: PUBLIC_CODE[code] ?? code, message, ...details } }, STATUS[code]);
}

/** `app.onError`: the single place errors become responses. */
export function handleError(error: Error, c: Context): Response {
  if (error instanceof ApiError || error instanceof StoreError || error instanceof ProjectError) {
    return errorResponse(c, error.code, error.message, error.details);
  }
  if (error instanceof HTTPException && error.status < 500) {
    return errorResponse(c, "invalid_request", error.message || "The request could not be processed.");
  }
  console.error(`${c.req.method} ${c.req.path} failed:`, error);
  return errorResponse(c, "internal_error", "The server failed to handle this request; see the server log.");
}
