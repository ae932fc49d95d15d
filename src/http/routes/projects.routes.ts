import { createRoute } from "@hono/zod-openapi";
import { CreateProjectBody, ListProjectsQuery, ProjectListSchema, ProjectParams, ProjectSchema } from "../schemas";
import { errors, json, jsonBody } from "./openapi-helpers";

// The routes of projects.ts; free of server code, so the playground takes its types from them.

export const createProject = createRoute({
  method: "post",
  path: "/",
  summary: "Create a project (from `files`, or from the starter app)",
  request: { body: jsonBody(CreateProjectBody) },
  responses: { 201: json("The new project at version 1", ProjectSchema), ...errors(400, 413) },
});

export const listProjects = createRoute({
  method: "get",
  path: "/",
  summary: "List projects, newest first",
  request: { query: ListProjectsQuery },
  responses: { 200: json("A page of projects", ProjectListSchema), ...errors(400) },
});

export const getProject = createRoute({
  method: "get",
  path: "/{id}",
  summary: "Get a project",
  request: { params: ProjectParams },
  responses: { 200: json("The project", ProjectSchema), ...errors(404) },
});

export const deleteProject = createRoute({
  method: "delete",
  path: "/{id}",
  summary: "Delete a project and everything it holds",
  request: { params: ProjectParams },
  responses: { 204: { description: "Deleted" }, ...errors(404) },
});
