import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { unwrap } from "../../project";
import type { AppEnv } from "../app-env";
import { projectStub } from "../project-stub";
import { projectId, readJson } from "../request";
import { ProjectParams, VersionBody, TestRunSchema } from "../schemas";
import { errors, json, jsonBody } from "./openapi-helpers";

export const tests = new OpenAPIHono<AppEnv>();

tests.openAPIRegistry.registerPath(
  createRoute({
    method: "post",
    path: "/{id}/test",
    summary: "Run the project's *.test.{ts,tsx,js} files in a sandbox against a version (default head) or the draft",
    request: { params: ProjectParams, body: jsonBody(VersionBody) },
    responses: {
      200: json("One result per test; a failed build answers ok false with buildErrors and no results", TestRunSchema),
      ...errors(400, 404),
    },
  }),
);
tests.post("/:id/test", async (c) => {
  const id = projectId(c.req.param("id"));
  const body = await readJson(c, VersionBody);
  return c.json(unwrap(await projectStub(c.env, id).runTests(body.version)));
});
