import { unwrap } from "../../project";
import { openApiHono, served } from "../request";
import { previewUrl, projectStub } from "../project-stub";
import { build, scheduled } from "./builds.routes";

export const builds = openApiHono();

builds.openapi(served(build), async (c) => {
  const { id } = c.req.valid("param");
  const result = unwrap(await projectStub(c.env, id).build(c.req.valid("json").version));
  return c.json(
    {
      ...result,
      ...(result.ok ? { previewUrl: await previewUrl(c.req.url, c.env, id, result.version) } : {}),
    },
    200,
  );
});

builds.openapi(served(scheduled), async (c) => {
  const { id } = c.req.valid("param");
  const { version, cron } = c.req.valid("json");
  return c.json(unwrap(await projectStub(c.env, id).runScheduled(version, cron)), 200);
});
