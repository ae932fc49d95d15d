import type { z } from "@hono/zod-openapi";
import { unwrap } from "../../project";
import type { DataKvSchema } from "../data-schemas";
import { openApiHono, served } from "../request";
import { projectStub } from "../project-stub";
import { getData, getDataKv, getDataTable } from "./data.routes";

export const data = openApiHono();

data.openapi(served(getData), async (c) => c.json(unwrap(await projectStub(c.env, c.req.valid("param").id).data()), 200));

data.openapi(served(getDataKv), async (c) => {
  const { id } = c.req.valid("param");
  // Key metadata is the app's JSON, whatever its shape.
  return c.json(unwrap(await projectStub(c.env, id).dataKv(c.req.valid("query"))) as z.infer<typeof DataKvSchema>, 200);
});

data.openapi(served(getDataTable), async (c) => {
  const { id, binding, table } = c.req.valid("param");
  return c.json(unwrap(await projectStub(c.env, id).dataTable(binding, table, c.req.valid("query"))), 200);
});
