import { z } from "@hono/zod-openapi";
import { ProjectParams } from "./schemas";

/** Shapes of the data view's routes (routes/data.ts): the app's KV keys and D1 tables. */
export const DataSchema = z
  .object({
    kv: z.array(z.object({ binding: z.string(), keys: z.number().int() })),
    d1: z.array(z.object({ binding: z.string(), tables: z.array(z.object({ name: z.string(), rows: z.number().int() })) })),
  })
  .openapi("Data");

export const DataKvQuery = z.object({
  prefix: z.string().max(512).optional(),
  cursor: z.string().max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const DataKvSchema = z
  .object({
    keys: z.array(z.object({ name: z.string(), expiration: z.number().optional(), metadata: z.unknown().optional() })),
    list_complete: z.boolean(),
    cursor: z.string().optional(),
  })
  .openapi("DataKeys");

export const DataTableParams = ProjectParams.extend({
  binding: z.string().max(63).openapi({ example: "DB" }),
  table: z.string().max(256).openapi({ example: "posts" }),
});

export const DataTableQuery = z.object({
  offset: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const DataTableSchema = z
  .object({
    table: z.string(),
    columns: z.array(z.string()),
    rows: z.array(z.array(z.unknown())).openapi({ description: "Rows as arrays, in column order; a blob is `{blob: <bytes>}`" }),
    total: z.number().int(),
    offset: z.number().int(),
  })
  .openapi("DataTable");
