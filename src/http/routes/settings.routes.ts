import { createRoute } from "@hono/zod-openapi";
import { LogsQuery, LogsSchema, ProjectParams, SettingsBody, SettingsSchema } from "../schemas";
import { errors, json, jsonBody } from "./openapi-helpers";

// The routes of settings.ts; free of server code, so the playground takes its types from them.

export const getSettings = createRoute({
  method: "get",
  path: "/{id}/settings",
  summary: "The preview sandbox's settings (secret values are never returned)",
  request: { params: ProjectParams },
  responses: { 200: json("Settings", SettingsSchema), ...errors(404) },
});

export const putSettings = createRoute({
  method: "put",
  path: "/{id}/settings",
  summary: "Replace the sandbox's allowed hosts and per-host secret headers",
  request: { params: ProjectParams, body: jsonBody(SettingsBody) },
  responses: { 200: json("The new settings", SettingsSchema), ...errors(400, 404) },
});

export const getLogs = createRoute({
  method: "get",
  path: "/{id}/logs",
  summary: "Console output and uncaught exceptions of the project's previews, oldest first",
  request: { params: ProjectParams, query: LogsQuery },
  responses: { 200: json("Entries after the cursor, and the cursor for the next call", LogsSchema), ...errors(400, 404) },
});
