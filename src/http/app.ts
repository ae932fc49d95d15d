import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { bearerToken } from "./auth";
import type { AppEnv } from "./context";
import { errorResponse, handleError } from "./errors";
import { builds } from "./routes/builds";
import { files } from "./routes/files";
import { history } from "./routes/history";
import { projects } from "./routes/projects";
import { settings } from "./routes/settings";
import { tests } from "./routes/tests";

/**
 * Largest request body. A request's content travels to the project's object
 * in one RPC message, which the runtime caps at 32 MiB.
 */
export const MAX_REQUEST_BYTES = 30 * 1024 * 1024;

/** The HTTP API of API.md, mounted under `/api`. */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  // Browsers' preflight requests carry no token, so CORS answers them before auth.
  app.use("/api/*", cors({ origin: "*", exposeHeaders: ["ETag"], maxAge: 600 }));
  app.use("/api/*", bearerToken());
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_REQUEST_BYTES,
      onError: (c) =>
        errorResponse(c, "too_large", `The request body is over ${MAX_REQUEST_BYTES} bytes; split the change into several commits.`, {
          limit: MAX_REQUEST_BYTES,
        }),
    }),
  );
  app.route("/api/projects", projects);
  app.route("/api/projects", history);
  app.route("/api/projects", files);
  app.route("/api/projects", builds);
  app.route("/api/projects", tests);
  app.route("/api/projects", settings);
  app.doc31("/api/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Forge API",
      version: "1.0.0",
      description: "Projects, versioned files and diffs of the coding-agent backend.",
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.get("/", (c) =>
    c.json({ name: "forge", docs: "/api/openapi.json", projects: "/api/projects" }),
  );
  app.notFound((c) => errorResponse(c, "route_not_found", `No route for ${c.req.method} ${c.req.path}.`));
  app.onError(handleError);
  return app;
}
