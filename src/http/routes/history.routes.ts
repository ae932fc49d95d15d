import { createRoute, z } from "@hono/zod-openapi";
import { CommitBody, CommitResultSchema, ProjectParams, RestoreBody, VersionParams, VersionSchema } from "../schemas";
import { errors, json, jsonBody } from "./openapi-helpers";

// The routes of history.ts; free of server code, so the playground takes its types from them.

export const commit = createRoute({
  method: "post",
  path: "/{id}/commits",
  summary: "Commit changes atomically on top of `base`",
  request: { params: ProjectParams, body: jsonBody(CommitBody) },
  responses: {
    201: json("The new version", CommitResultSchema),
    200: json("Nothing changed: `version` is the base", CommitResultSchema),
    ...errors(400, 404, 409, 413),
  },
});

export const listVersions = createRoute({
  method: "get",
  path: "/{id}/versions",
  summary: "List versions, newest first",
  request: { params: ProjectParams },
  responses: { 200: json("All versions", z.object({ versions: z.array(VersionSchema) })), ...errors(404) },
});

export const getVersion = createRoute({
  method: "get",
  path: "/{id}/versions/{version}",
  summary: "Get one version",
  request: { params: VersionParams },
  responses: { 200: json("The version", VersionSchema), ...errors(400, 404) },
});

export const restore = createRoute({
  method: "post",
  path: "/{id}/restore",
  summary: "Record a new version whose tree equals an earlier version's",
  request: { params: ProjectParams, body: jsonBody(RestoreBody) },
  responses: {
    201: json("The new version", CommitResultSchema),
    200: json("The head already has that tree: `version` is the head", CommitResultSchema),
    ...errors(400, 404, 409),
  },
});
