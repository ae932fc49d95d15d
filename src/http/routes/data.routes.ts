import { createRoute } from "@hono/zod-openapi";
import { DataKvQuery, DataKvSchema, DataSchema, DataTableParams, DataTableQuery, DataTableSchema } from "../data-schemas";
import { ProjectParams } from "../schemas";
import { errors, json } from "./openapi-helpers";

// The routes of data.ts; free of server code, so the playground takes its types from them.

export const getData = createRoute({
  method: "get",
  path: "/{id}/data",
  summary: "The app's preview data by binding (the head version's wrangler config): KV key counts, D1 tables and their row counts",
  request: { params: ProjectParams },
  responses: { 200: json("The data by binding", DataSchema), ...errors(404) },
});

export const getDataKv = createRoute({
  method: "get",
  path: "/{id}/data/kv",
  summary: "The app's KV keys, a page at a time (as KV's list())",
  request: { params: ProjectParams, query: DataKvQuery },
  responses: { 200: json("Keys, and the cursor of the next page", DataKvSchema), ...errors(400, 404) },
});

export const getDataTable = createRoute({
  method: "get",
  path: "/{id}/data/d1/{binding}/{table}",
  summary: "Rows of a table of the app's D1 database, a page at a time",
  request: { params: DataTableParams, query: DataTableQuery },
  responses: { 200: json("The page of rows", DataTableSchema), ...errors(400, 404) },
});
