import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { secureHeaders } from "hono/secure-headers";
import { bearerToken } from "./auth";
import { bodyLimit } from "./body-limit";
import type { AppEnv } from "./app-env";
import { errorResponse, handleError } from "./api-errors";
import { allowedMethods } from "./method-not-allowed";
import { originGuard } from "./origin-guard";
import { playground } from "./playground";
import { errors, json } from "./routes/openapi-helpers";
import { InfoSchema } from "./schemas";
import { modelConfigFromEnv } from "../server-config";
import { builds } from "./routes/builds";
import { files } from "./routes/files";
import { history } from "./routes/history";
import { projects } from "./routes/projects";
import { settings } from "./routes/settings";
import { tests } from "./routes/tests";
import { turns } from "./routes/turns";

/**
 * Largest request body. A request's content travels to the project's object
 * in one RPC message, which the runtime caps at 32 MiB.
 */
export const MAX_REQUEST_BYTES = 30 * 1024 * 1024;

/** The HTTP API of API.md, mounted under `/api`. */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  // Nothing the API answers may be framed, sniffed into script, or loaded by another origin's page.
  app.use("*", secureHeaders({ xFrameOptions: "DENY" }));
  app.use("/api/*", secureHeaders({ contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], sandbox: [] } }));
  // Before auth: browsers' preflight requests carry no token.
  app.use("*", originGuard());
  app.use("/api/*", bearerToken());
  app.use(
    "/api/*",
    bodyLimit(MAX_REQUEST_BYTES, (c) =>
      errorResponse(c, "too_large", `The request body is over ${MAX_REQUEST_BYTES} bytes; split the change into several commits.`, {
        limit: MAX_REQUEST_BYTES,
      }),
    ),
  );
  app.route("/api/projects", projects);
  app.route("/api/projects", history);
  app.route("/api/projects", files);
  app.route("/api/projects", builds);
  app.route("/api/projects", tests);
  app.route("/api/projects", settings);
  app.route("/api/projects", turns);
  app.doc31("/api/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Forge API",
      version: "1.0.0",
      description:
        "Projects, versioned files and diffs of the coding-agent backend. Browser pages may call it only from its own origin or one in CORS_ORIGINS " +
        "(never from a preview origin); requests without an Origin header (curl, servers) are not affected.",
    },
    // A bearer token is needed only when the server has API_TOKEN set.
    security: [{ bearer: [] }, {}],
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerPath(
    createRoute({
      method: "get",
      path: "/api/info",
      summary: "The server: where its docs are, and its model (null when none is configured)",
      responses: { 200: json("About this server", InfoSchema), ...errors() },
    }),
  );
  app.get("/api/info", (c) => c.json({ name: "forge", docs: "/api/openapi.json", projects: "/api/projects", model: modelConfigFromEnv(c.env)?.model ?? null }));
  app.get("*", playground());
  const methodsOf = allowedMethods(app);
  app.notFound((c) => {
    const allowed = methodsOf(c.req.path);
    if (allowed.length === 0) return errorResponse(c, "route_not_found", `No route for ${c.req.method} ${c.req.path}.`);
    c.header("Allow", allowed.join(", "));
    return errorResponse(c, "method_not_allowed", `${c.req.path} does not answer ${c.req.method}; it answers ${allowed.join(", ")}.`, { allow: allowed });
  });
  app.onError(handleError);
  return app;
}
