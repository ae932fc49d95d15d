import { createRoute } from "@hono/zod-openapi";
import { BuildSchema, ProjectParams, VersionBody } from "../schemas";
import { errors, json, jsonBody } from "./openapi-helpers";

// The route of builds.ts; free of server code, so the playground takes its types from it.

export const build = createRoute({
  method: "post",
  path: "/{id}/builds",
  summary: "Build a version (default head) or the draft; an identical tree reuses its stored result",
  request: { params: ProjectParams, body: jsonBody(VersionBody) },
  responses: { 200: json("The build result (ok false with located errors when it failed)", BuildSchema), ...errors(400, 404) },
});
