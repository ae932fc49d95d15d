import { createRoute } from "@hono/zod-openapi";
import { InfoSchema } from "../schemas";
import { errors, json } from "./openapi-helpers";

/** GET /api/info (served by app.ts); free of server code, so the playground takes its type from it. */
export const getInfo = createRoute({
  method: "get",
  path: "/api/info",
  summary: "The server: where its docs are, and its model (null when none is configured)",
  responses: { 200: json("About this server", InfoSchema), ...errors() },
});
