import { PatternRouter } from "hono/router/pattern-router";

/**
 * The methods a path answers to, from the app's routes: a request with
 * another method (TRACE, PATCH …) on a known path is 405 with `Allow`, not a
 * 404 that would say the route does not exist. Built on first use, once every
 * route is registered.
 */
export function allowedMethods(app: { routes: { method: string; path: string }[] }): (path: string) => string[] {
  let router: PatternRouter<string> | undefined;
  return (path) => {
    if (!router) {
      router = new PatternRouter<string>();
      // Catch-alls (the playground page) are not API routes.
      for (const route of app.routes)
        if (route.method !== "ALL" && route.path !== "*" && route.path !== "/*") router.add("ALL", route.path, route.method);
    }
    const methods = new Set(router.match("GET", path)[0].map(([method]) => method));
    if (methods.has("GET")) methods.add("HEAD");
    return methods.size === 0 ? [] : [...methods, "OPTIONS"];
  };
}
