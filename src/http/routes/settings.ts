import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { ownHostsFromEnv } from "../../server-config";
import { unwrap } from "../../project";
import type { AppEnv } from "../app-env";
import { projectStub } from "../project-stub";
import { projectId, readJson, readQuery } from "../request";
import { LogsQuery, LogsSchema, SettingsBody, SettingsSchema, ProjectParams } from "../schemas";
import { errors, json, jsonBody } from "./openapi-helpers";

export const settings = new OpenAPIHono<AppEnv>();

settings.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/settings",
    summary: "The preview sandbox's settings (secret values are never returned)",
    request: { params: ProjectParams },
    responses: { 200: json("Settings", SettingsSchema), ...errors(404) },
  }),
);
settings.get("/:id/settings", async (c) => {
  return c.json(unwrap(await projectStub(c.env, projectId(c.req.param("id"))).getSettings()));
});

settings.openAPIRegistry.registerPath(
  createRoute({
    method: "put",
    path: "/{id}/settings",
    summary: "Replace the sandbox's allowed hosts and per-host secret headers",
    request: { params: ProjectParams, body: jsonBody(SettingsBody) },
    responses: { 200: json("The new settings", SettingsSchema), ...errors(400, 404) },
  }),
);
settings.put("/:id/settings", async (c) => {
  const id = projectId(c.req.param("id"));
  const body = await readJson(c, SettingsBody);
  return c.json(unwrap(await projectStub(c.env, id).putSettings(body, ownHostsFromEnv(c.env))));
});

settings.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/logs",
    summary: "Console output and uncaught exceptions of the project's previews, oldest first",
    request: { params: ProjectParams, query: LogsQuery },
    responses: { 200: json("Entries after the cursor, and the cursor for the next call", LogsSchema), ...errors(400, 404) },
  }),
);
settings.get("/:id/logs", async (c) => {
  const id = projectId(c.req.param("id"));
  const query = readQuery(c, LogsQuery);
  return c.json(unwrap(await projectStub(c.env, id).logs({ after: query.after, version: query.version })));
});
