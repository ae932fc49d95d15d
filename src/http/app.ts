import type { OpenAPIHono } from "@hono/zod-openapi";
import { secureHeaders } from "hono/secure-headers";
import { bearerToken } from "./auth";
import { bodyLimit } from "./body-limit";
import type { AppEnv } from "./app-env";
import { errorResponse, handleError } from "./api-errors";
import { allowedMethods } from "./method-not-allowed";
import { originGuard } from "./origin-guard";
import { playground } from "./playground";
import { openApiHono, served } from "./request";
import { documentedPath } from "./routes/openapi-helpers";
import { getInfo } from "./routes/info.routes";
import { modelConfigFromEnv } from "../server-config";
import { builds } from "./routes/builds";
import { files } from "./routes/files";
import { history } from "./routes/history";
import { projects } from "./routes/projects";
import { settings } from "./routes/settings";
import { tests } from "./routes/tests";
import { data } from "./routes/data";
import { turns } from "./routes/turns";

/**
 * Largest request body. A request's content travels to the project's object
 * in one RPC message, which the runtime caps at 32 MiB.
 */
export const MAX_REQUEST_BYTES = 30 * 1024 * 1024;

/** The HTTP API of docs/api.md, mounted under `/api`. */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = openApiHono();
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
  app.route("/api/projects", data);
  app.route("/api/projects", settings);
  app.route("/api/projects", turns);
  // Not doc31: the document's paths must not carry Hono's parameter patterns (see documentedPath).
  app.get("/api/openapi.json", (c) => {
    const document = app.getOpenAPI31Document({
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
    const paths = Object.entries(document.paths ?? {}).map(([path, item]) => [documentedPath(path), item]);
    return c.json({ ...document, paths: Object.fromEntries(paths) });
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.openapi(served(getInfo), (c) =>
    c.json({ name: "forge", docs: "/api/openapi.json", projects: "/api/projects", model: modelConfigFromEnv(c.env)?.model ?? null }, 200),
  );
  app.get("*", playground());
  const methodsOf = allowedMethods(app);
  app.notFound((c) => {
    const allowed = methodsOf(c.req.path);
    if (allowed.length === 0) return errorResponse(c, "route_not_found", `No route for ${c.req.method} ${c.req.path}.`);
    c.header("Allow", allowed.join(", "));
    return errorResponse(c, "method_not_allowed", `${c.req.path} does not answer ${c.req.method}; it answers ${allowed.join(", ")}.`, {
      allow: allowed,
    });
  });
  app.onError(handleError);
  return app;
}
