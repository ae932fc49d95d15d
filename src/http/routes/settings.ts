import { ownHostsFromEnv } from "../../server-config";
import { unwrap } from "../../project";
import { openApiHono, served } from "../request";
import { projectStub } from "../project-stub";
import { getLogs, getSettings, putSettings } from "./settings.routes";

export const settings = openApiHono();

settings.openapi(served(getSettings), async (c) => {
  return c.json(unwrap(await projectStub(c.env, c.req.valid("param").id).getSettings()), 200);
});

settings.openapi(served(putSettings), async (c) => {
  const { id } = c.req.valid("param");
  return c.json(unwrap(await projectStub(c.env, id).putSettings(c.req.valid("json"), ownHostsFromEnv(c.env))), 200);
});

settings.openapi(served(getLogs), async (c) => {
  const { id } = c.req.valid("param");
  const query = c.req.valid("query");
  return c.json(unwrap(await projectStub(c.env, id).logs({ after: query.after, version: query.version })), 200);
});
