import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { unwrap } from "../../project";
import type { AppEnv } from "../app-env";
import { previewUrl, projectStub } from "../project-stub";
import { projectId, readJson } from "../request";
import { VersionBody, BuildSchema, ProjectParams } from "../schemas";
import { errors, json, jsonBody } from "./openapi-helpers";

export const builds = new OpenAPIHono<AppEnv>();

builds.openAPIRegistry.registerPath(
  createRoute({
    method: "post",
    path: "/{id}/builds",
    summary: "Build a version (default head) or the draft; an identical tree reuses its stored result",
    request: { params: ProjectParams, body: jsonBody(VersionBody) },
    responses: { 200: json("The build result (ok false with located errors when it failed)", BuildSchema), ...errors(400, 404) },
  }),
);
builds.post("/:id/builds", async (c) => {
  const id = projectId(c.req.param("id"));
  const body = await readJson(c, VersionBody);
  const result = unwrap(await projectStub(c.env, id).build(body.version));
  return c.json({
    ...result,
    ...(result.ok ? { previewUrl: await previewUrl(c.req.url, c.env, id, result.version) } : {}),
  });
});
