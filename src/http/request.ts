import { OpenAPIHono, type Hook, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { VersionRef } from "../store";
import type { AppEnv } from "./app-env";
import { ApiError } from "./api-errors";
import { PROJECT_ID, VERSION_NUMBER } from "./schemas";

/** The app and each group of routes: a request its route's schemas refuse answers `invalid_request`. */
export function openApiHono(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: refuseInvalid });
}

/**
 * A route definition as the server registers it (`app.openapi(served(route), handler)`): a project id
 * is checked before anything else about the request, a declared query takes the first value of a
 * repeated key, and a declared body is read as JSON.
 */
export function served<R extends RouteConfig>(route: R): R & { middleware: MiddlewareHandler[] } {
  const middleware: MiddlewareHandler[] = [];
  if (route.path.startsWith("/{id}")) middleware.push(knownProjectId);
  if (route.request?.query) middleware.push(firstQueryValues);
  if (route.request?.body) middleware.push(jsonBody);
  return { ...route, middleware };
}

/** A syntactically impossible id is simply an unknown project. */
const knownProjectId: MiddlewareHandler = async (c, next) => {
  const id = c.req.param("id") ?? "";
  if (!PROJECT_ID.test(id)) throw new ApiError("not_found", `Project ${JSON.stringify(id)} not found.`);
  await next();
};

/** `?v=1&v=2` means `v=1`, as `c.req.query()` reads it; the query validator would see an array. */
const firstQueryValues: MiddlewareHandler = async (c, next) => {
  if (Object.values(c.req.queries()).some((values) => values.length > 1)) {
    const url = new URL(c.req.url);
    url.search = new URLSearchParams(c.req.query()).toString();
    c.req.raw = new Request(url, c.req.raw);
  }
  await next();
};

/**
 * Parses the body as JSON whatever its Content-Type (so `curl -d` works without `-H`); an empty body
 * counts as `{}`. The request then goes on as application/json: zod-openapi answers 415 to other
 * types, and Hono's validator reads only JSON ones.
 */
const jsonBody: MiddlewareHandler = async (c, next) => {
  let text: string;
  try {
    // Fatal: bytes that are not UTF-8 would otherwise be stored as U+FFFD without a word.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await c.req.arrayBuffer());
  } catch {
    throw new ApiError("invalid_content", "The request body is not UTF-8 text: JSON must be sent as UTF-8 (no other bytes).");
  }
  const json = text.trim() === "" ? "{}" : text;
  try {
    JSON.parse(json);
  } catch (error) {
    throw new ApiError("invalid_json", `The request body is not valid JSON: ${(error as Error).message}.`);
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set("Content-Type", "application/json");
  c.req.raw = new Request(c.req.raw, { headers, body: json });
  c.req.bodyCache = {};
  await next();
};

/** The one hook for every route: the first issue names the field, `issues` lists them all. */
const refuseInvalid: Hook<unknown, AppEnv, string, void> = (result) => {
  if (result.success) return;
  const where = result.target === "json" ? "body" : result.target;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  const first = issues[0]!;
  throw new ApiError("invalid_request", `Invalid ${where}: ${first.path ? `${first.path}: ` : ""}${first.message}.`, { issues });
};

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
