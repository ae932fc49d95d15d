import { createRoute, z } from "@hono/zod-openapi";
import { DiffSchema, FileListSchema, FileParams, ProjectParams, VersionQuery } from "../schemas";
import { errors, json } from "./openapi-helpers";

// The routes of files.ts; free of server code, so the playground takes its types from them.

export const listFiles = createRoute({
  method: "get",
  path: "/{id}/files",
  summary: "List the files of a version (default head) or the draft",
  request: { params: ProjectParams, query: VersionQuery },
  responses: { 200: json("Files sorted by path", FileListSchema), ...errors(400, 404) },
});

export const getFile = createRoute({
  method: "get",
  // `{.+}`: the path runs to the end of the URL, slashes included (see documentedPath).
  path: "/{id}/files/{path}{.+}",
  summary: "Download one file's raw bytes (ETag = content hash)",
  request: { params: FileParams, query: VersionQuery },
  responses: {
    200: { description: "The file's bytes, Content-Type by extension" },
    304: { description: "Not modified (If-None-Match)" },
    ...errors(400, 404),
  },
});

export const diff = createRoute({
  method: "get",
  path: "/{id}/diff",
  summary: "Diff two versions (or the draft): git-style text by default, JSON with Accept: application/json",
  request: {
    params: ProjectParams,
    // Documented, not validated: the handler refuses other values with its own messages.
    query: z.object({
      from: z.string().optional().openapi({
        pattern: "^(?:0|[1-9]\\d{0,14}|draft)$",
        description: "N, `draft`, or 0 for the empty tree; default: the parent of `to`",
      }),
      to: VersionQuery.shape.version.openapi({ description: "N or `draft`; default head" }),
      format: z
        .string()
        .optional()
        .openapi({ enum: ["git", "json"], description: "Overrides the Accept header" }),
    }),
  },
  responses: {
    200: {
      description: "The diff",
      content: { "text/x-diff": { schema: z.string() }, "application/json": { schema: DiffSchema } },
    },
    ...errors(400, 404),
  },
});
