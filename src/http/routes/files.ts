import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { unwrap } from "../../project/outcome";
import { contentType, isBinary, validatePath } from "../../store";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { projectId, versionRef } from "../request";
import { projectStub } from "../project-stub";
import { DiffSchema, FileListSchema, ProjectParams } from "../schemas";
import { errors, json } from "./openapi-helpers";

export const files = new OpenAPIHono<AppEnv>();
const VERSION = z.object({ version: z.string().optional().openapi({ description: "N or `draft`; default head" }) });

files.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/files",
    summary: "List the files of a version (default head) or the draft",
    request: { params: ProjectParams, query: VERSION },
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
    request: { params: z.object({ id: z.string(), path: z.string() }), query: VERSION },
    responses: {
      200: { description: "The file's bytes, Content-Type by extension" },
      304: { description: "Not modified (If-None-Match)" },
      ...errors(400, 404),
    },
  }),
);
files.get("/:id/files/:path{.+}", async (c) => {
  const id = projectId(c.req.param("id"));
  const path = validatePath(c.req.param("path"));
  const ref = versionRef(c.req.query("version"), "version");
  const file = unwrap(await projectStub(c.env, id).readFile(ref, path));
  const etag = `"${file.hash}"`;
  c.header("ETag", etag);
  c.header("Cache-Control", "no-cache");
  if (c.req.header("If-None-Match")?.split(/\s*,\s*/).includes(etag)) return c.body(null, 304);
  c.header("Content-Type", contentType(path, isBinary(file.bytes) ? "application/octet-stream" : "text/plain"));
  return c.body(new Uint8Array(file.bytes));
});

files.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/diff",
    summary: "Diff two versions (or the draft): git-style text by default, JSON with Accept: application/json",
    request: {
      params: ProjectParams,
      query: z.object({
        from: z.string().optional().openapi({ description: "N, `draft`, or 0 for the empty tree; default: the parent of `to`" }),
        to: z.string().optional().openapi({ description: "N or `draft`; default head" }),
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
