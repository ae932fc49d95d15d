import { OpenAPIHono } from "@hono/zod-openapi";
import { bearerToken } from "./auth";
import type { AppEnv } from "./context";
import { errorResponse, handleError } from "./errors";
import { files } from "./routes/files";
import { history } from "./routes/history";
import { projects } from "./routes/projects";

/** The HTTP API of API.md, mounted under `/api`. */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.use("/api/*", bearerToken());
  app.route("/api/projects", projects);
  app.route("/api/projects", history);
  app.route("/api/projects", files);
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
