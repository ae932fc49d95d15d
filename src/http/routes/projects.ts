import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { ProjectError, ProjectIndex, decodeCursor, unwrap, type ProjectInfo } from "../../project";
import { STARTER_FILES, StoreError, decodeContent, type Change } from "../../store";
import type { AppEnv } from "../app-env";
import { ApiError } from "../api-errors";
import { projectId, readJson, readQuery } from "../request";
import { previewUrl, projectStub } from "../project-stub";
import { CreateProjectBody, ListProjectsQuery, ProjectListSchema, ProjectSchema, ProjectParams } from "../schemas";
import { json, jsonBody, errors } from "./openapi-helpers";

export const projects = new OpenAPIHono<AppEnv>();

projects.openAPIRegistry.registerPath(
  createRoute({
    method: "post",
    path: "/",
    summary: "Create a project (from `files`, or from the starter app)",
    request: { body: jsonBody(CreateProjectBody) },
    responses: { 201: json("The new project at version 1", ProjectSchema), ...errors(400, 413) },
  }),
);
projects.post("/", async (c) => {
  const body = await readJson(c, CreateProjectBody);
  const files: Change[] = Object.entries(body.files ?? STARTER_FILES).map(([path, content]) => ({
    op: "put",
    path,
    content: decodeContent(content, "utf8", path),
  }));
  const name = body.name ?? "Untitled project";
  for (let attempt = 0; ; attempt++) {
    const id = newProjectId();
    const stub = projectStub(c.env, id);
    let info: ProjectInfo;
    try {
      info = unwrap(await stub.create({ id, name, files }));
    } catch (error) {
      // A random id that is taken is astronomically unlikely; pick another.
      if (error instanceof ProjectError && error.code === "project_exists" && attempt < 3) continue;
      throw error;
    }
    try {
      await new ProjectIndex(c.env.PROJECT_INDEX).add({ ...info, createdAt: Date.parse(info.createdAt) });
    } catch (error) {
      await stub.destroy();
      throw error;
    }
    return c.json({ ...info, previewUrl: await previewUrl(c.req.url, c.env, id) }, 201);
  }
});

projects.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/",
    summary: "List projects, newest first",
    request: { query: ListProjectsQuery },
    responses: { 200: json("A page of projects", ProjectListSchema), ...errors(400) },
  }),
);
projects.get("/", async (c) => {
  const query = readQuery(c, ListProjectsQuery);
  if (query.cursor !== undefined && decodeCursor(query.cursor) === undefined) {
    throw new ApiError("invalid_request", "cursor is not a cursor this server returned; omit it to start over.");
  }
  return c.json(await new ProjectIndex(c.env.PROJECT_INDEX).list(query));
});

projects.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}",
    summary: "Get a project",
    request: { params: ProjectParams },
    responses: { 200: json("The project", ProjectSchema), ...errors(404) },
  }),
);
projects.get("/:id", async (c) => {
  const id = projectId(c.req.param("id"));
  const info = unwrap(await projectStub(c.env, id).info());
  return c.json({ ...info, previewUrl: await previewUrl(c.req.url, c.env, id) });
});

projects.openAPIRegistry.registerPath(
  createRoute({
    method: "delete",
    path: "/{id}",
    summary: "Delete a project and everything it holds",
    request: { params: ProjectParams },
    responses: { 204: { description: "Deleted" }, ...errors(404) },
  }),
);
projects.delete("/:id", async (c) => {
  const id = projectId(c.req.param("id"));
  let existed = true;
  try {
    unwrap(await projectStub(c.env, id).destroy());
  } catch (error) {
    if (!(error instanceof StoreError && error.code === "not_found")) throw error;
    existed = false;
  }
  // Also finishes a delete that removed the object but not its listing.
  const listed = await new ProjectIndex(c.env.PROJECT_INDEX).remove(id);
  if (!existed && !listed) throw new ApiError("not_found", `Project ${id} not found.`);
  return c.body(null, 204);
});

/** 12 characters from [a-z0-9], starting with a letter: matches the id rule in API.md. */
function newProjectId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return [...bytes].map((byte, i) => alphabet[byte % (i === 0 ? 26 : 36)]).join("");
}
