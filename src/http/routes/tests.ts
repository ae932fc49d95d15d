import { unwrap } from "../../project";
import { openApiHono, served } from "../request";
import { projectStub } from "../project-stub";
import { runTests } from "./tests.routes";

export const tests = openApiHono();

tests.openapi(served(runTests), async (c) => {
  const { id } = c.req.valid("param");
  return c.json(unwrap(await projectStub(c.env, id).runTests(c.req.valid("json").version)), 200);
});
