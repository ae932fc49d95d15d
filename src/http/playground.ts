import type { MiddlewareHandler } from "hono";
import { previewOrigin } from "../preview";
import type { AppEnv } from "./app-env";

/**
 * Serves the playground page (playground/, built into the Worker's static
 * assets) for every API-host path outside /api (unknown /api paths stay 404). The assets binding runs
 * only from here (`run_worker_first`), so a preview origin is never answered
 * with the playground's files. The page may load only its own scripts, call
 * only this origin, and frame only preview origins.
 */
export function playground(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.path === "/api" || c.req.path.startsWith("/api/")) return next();
    const previews = previewOrigin(c.req.url, c.env.PREVIEW_HOST, "*");
    const response = await c.env.ASSETS.fetch(c.req.raw);
    const page = new Response(response.body, response);
    page.headers.set(
      "Content-Security-Policy",
      // CodeMirror sets element styles, hence 'unsafe-inline' for styles (never for scripts).
      `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-src ${previews}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'`,
    );
    return page;
  };
}
