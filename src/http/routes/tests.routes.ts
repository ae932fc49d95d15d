import { createRoute } from "@hono/zod-openapi";
import { ProjectParams, TestRunSchema, VersionBody } from "../schemas";
import { errors, json, jsonBody } from "./openapi-helpers";

// The route of tests.ts; free of server code, so the playground takes its types from it.

export const runTests = createRoute({
  method: "post",
  path: "/{id}/test",
  summary: "Run the project's *.test.{ts,tsx,js} files in a sandbox against a version (default head) or the draft",
  request: { params: ProjectParams, body: jsonBody(VersionBody) },
  responses: {
    200: json("One result per test; a failed build answers ok false with buildErrors and no results", TestRunSchema),
    ...errors(400, 404),
  },
});
