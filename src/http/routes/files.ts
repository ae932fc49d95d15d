import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { unwrap } from "../../project";
import { InvalidPathError, contentType, isBinary, validatePath } from "../../store";
import type { AppEnv } from "../app-env";
import { ApiError } from "../api-errors";
import { projectId, versionRef } from "../request";
import { projectStub } from "../project-stub";
import { DiffSchema, FileListSchema, FileParams, ProjectParams, VersionQuery } from "../schemas";
import { errors, json } from "./openapi-helpers";

export const files = new OpenAPIHono<AppEnv>();

files.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/files",
    summary: "List the files of a version (default head) or the draft",
    request: { params: ProjectParams, query: VersionQuery },
    responses: { 200: json("Files sorted by path", FileListSchema), ...errors(400, 404) },
  }),
);
files.get("/:id/files", async (c) => {
  const id = projectId(c.req.param("id"));
  const ref = versionRef(c.req.query("version"), "version");
  return c.json(unwrap(await projectStub(c.env, id).listFiles(ref)));
});

files.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/files/{path}",
    summary: "Download one file's raw bytes (ETag = content hash)",
    request: { params: FileParams, query: VersionQuery },
    responses: {
      200: { description: "The file's bytes, Content-Type by extension" },
      304: { description: "Not modified (If-None-Match)" },
      ...errors(400, 404),
    },
  }),
);
files.get("/:id/files/:path{.+}", async (c) => {
  const id = projectId(c.req.param("id"));
  const path = validatePath(pathFromUrl(c.req.url, c.req.param("id")));
  const ref = versionRef(c.req.query("version"), "version");
  const file = unwrap(await projectStub(c.env, id).readFile(ref, path));
  const etag = `"${file.hash}"`;
  c.header("ETag", etag);
  c.header("Cache-Control", "no-cache");
  if (c.req.header("If-None-Match")?.split(/\s*,\s*/).includes(etag)) return c.body(null, 304);
  const type = contentType(path, isBinary(file.bytes) ? "application/octet-stream" : "text/plain");
  c.header("Content-Type", type);
  // The app's files are the model's code: a page or image that can run script is downloaded, never shown
  // on the API's origin (the CSP sandbox and nosniff of every API answer back this up).
  if (ACTIVE_DOCUMENT.test(type)) c.header("Content-Disposition", attachment(path.split("/").at(-1)!));
  return c.body(new Uint8Array(file.bytes));
});

/**
 * The file path from the raw URL, percent-decoded strictly: bytes that are
 * not UTF-8 (such as an encoded lone surrogate) are refused, where the
 * router's lenient decoding would keep them as literal `%XX` text.
 */
function pathFromUrl(url: string, id: string): string {
  const raw = new URL(url).pathname.slice(`/api/projects/${id}/files/`.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new InvalidPathError(raw, "it is not well-formed UTF-8 once percent-decoded");
  }
}

/** Types a browser renders as a document that can run script. */
const ACTIVE_DOCUMENT = /^(?:text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|application\/[\w.-]+\+xml)\b/;

function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

files.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/diff",
    summary: "Diff two versions (or the draft): git-style text by default, JSON with Accept: application/json",
    request: {
      params: ProjectParams,
      query: z.object({
        from: z.string().optional().openapi({
          pattern: "^(?:0|[1-9]\\d{0,14}|draft)$",
          description: "N, `draft`, or 0 for the empty tree; default: the parent of `to`",
        }),
        to: VersionQuery.shape.version.openapi({ description: "N or `draft`; default head" }),
        format: z.enum(["git", "json"]).optional().openapi({ description: "Overrides the Accept header" }),
      }),
    },
    responses: {
      200: {
        description: "The diff",
        content: { "text/x-diff": { schema: z.string() }, "application/json": { schema: DiffSchema } },
      },
      ...errors(400, 404),
    },
  }),
);
files.get("/:id/diff", async (c) => {
  const id = projectId(c.req.param("id"));
  const from = versionRef(c.req.query("from"), "from", true);
  const to = versionRef(c.req.query("to"), "to");
  const format = diffFormat(c.req.query("format"), c.req.header("Accept"));
  const result = unwrap(await projectStub(c.env, id).diff({ from, to, format }));
  if (typeof result !== "string") return c.json(result);
  return c.body(result, 200, { "Content-Type": "text/x-diff; charset=utf-8" });
});

function diffFormat(format: string | undefined, accept: string | undefined): "git" | "json" {
  if (format === "git" || format === "json") return format;
  if (format !== undefined) throw new ApiError("invalid_request", `format must be "git" or "json", got ${JSON.stringify(format)}.`);
  return accept?.includes("application/json") ? "json" : "git";
}
