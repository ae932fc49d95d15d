import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { unwrap } from "../../project";
import { decodeContent, type Change, type CommitResult } from "../../store";
import type { AppEnv } from "../app-env";
import { ApiError } from "../api-errors";
import { projectId, readJson } from "../request";
import { projectStub } from "../project-stub";
import { CommitBody, CommitResultSchema, RestoreBody, VERSION_NUMBER, VersionParams, VersionSchema, ProjectParams } from "../schemas";
import { errors, json, jsonBody } from "./openapi-helpers";

export const history = new OpenAPIHono<AppEnv>();

history.openAPIRegistry.registerPath(
  createRoute({
    method: "post",
    path: "/{id}/commits",
    summary: "Commit changes atomically on top of `base`",
    request: { params: ProjectParams, body: jsonBody(CommitBody) },
    responses: {
      201: json("The new version", CommitResultSchema),
      200: json("Nothing changed: `version` is the base", CommitResultSchema),
      ...errors(400, 404, 409, 413),
    },
  }),
);
history.post("/:id/commits", async (c) => {
  const id = projectId(c.req.param("id"));
  const body = await readJson(c, CommitBody);
  const changes: Change[] = body.changes.map((change) =>
    change.op === "put"
      ? { op: "put", path: change.path, content: decodeContent(change.content, change.encoding ?? "utf8", change.path) }
      : change,
  );
  const result = unwrap(
    await projectStub(c.env, id).commit({ base: body.base, message: body.message, author: "user", changes }),
  );
  return c.json(commitBody(result), result.created ? 201 : 200);
});

history.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/versions",
    summary: "List versions, newest first",
    request: { params: ProjectParams },
    responses: { 200: json("All versions", z.object({ versions: z.array(VersionSchema) })), ...errors(404) },
  }),
);
history.get("/:id/versions", async (c) => {
  const versions = unwrap(await projectStub(c.env, projectId(c.req.param("id"))).versions());
  return c.json({ versions });
});

history.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/versions/{version}",
    summary: "Get one version",
    request: { params: VersionParams },
    responses: { 200: json("The version", VersionSchema), ...errors(400, 404) },
  }),
);
history.get("/:id/versions/:version", async (c) => {
  const id = projectId(c.req.param("id"));
  const raw = c.req.param("version");
  if (!VERSION_NUMBER.test(raw)) {
    throw new ApiError("invalid_request", `A version is a positive integer, got ${JSON.stringify(raw)}.`);
  }
  return c.json(unwrap(await projectStub(c.env, id).version(Number(raw))));
});

history.openAPIRegistry.registerPath(
  createRoute({
    method: "post",
    path: "/{id}/restore",
    summary: "Record a new version whose tree equals an earlier version's",
    request: { params: ProjectParams, body: jsonBody(RestoreBody) },
    responses: {
      201: json("The new version", CommitResultSchema),
      200: json("The head already has that tree: `version` is the head", CommitResultSchema),
      ...errors(400, 404, 409),
    },
  }),
);
history.post("/:id/restore", async (c) => {
  const id = projectId(c.req.param("id"));
  const body = await readJson(c, RestoreBody);
  const result = unwrap(await projectStub(c.env, id).restore({ ...body, author: "user" }));
  return c.json(commitBody(result), result.created ? 201 : 200);
});

function commitBody(result: CommitResult) {
  return { version: result.version, parent: result.parent, tree: result.tree, changed: result.changed };
}
