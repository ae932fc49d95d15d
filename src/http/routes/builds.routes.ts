import { createRoute } from "@hono/zod-openapi";
import { BuildSchema, ProjectParams, ScheduledBody, ScheduledSchema, VersionBody } from "../schemas";
import { errors, json, jsonBody } from "./openapi-helpers";

// The route of builds.ts; free of server code, so the playground takes its types from it.

export const build = createRoute({
  method: "post",
  path: "/{id}/builds",
  summary: "Build a version (default head) or the draft; an identical tree reuses its stored result",
  request: { params: ProjectParams, body: jsonBody(VersionBody) },
  responses: { 200: json("The build result (ok false with located errors when it failed)", BuildSchema), ...errors(400, 404) },
});

export const scheduled = createRoute({
  method: "post",
  path: "/{id}/scheduled",
  summary: "Run the scheduled handler of a version (default head) or the draft once, as a cron trigger would",
  request: { params: ProjectParams, body: jsonBody(ScheduledBody) },
  responses: {
    200: json("What the handler did: ok, exception (with its error), no_handler, or the build's errors", ScheduledSchema),
    ...errors(400, 404),
  },
});
