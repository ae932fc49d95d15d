import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The installer (@cloudflare/worker-bundler) fetches packuments and then
 * whatever tarball URL a packument names, with the global `fetch`. While an
 * install runs (`fromRegistryOnly`), every fetch it makes may go to the
 * registry's own origin only, and redirects are followed here hop by hop
 * under the same rule: a registry (or a package's metadata) can never point
 * the host at loopback, the host's own names or any other address.
 */
const installing = new AsyncLocalStorage<{ origin: string }>();
const platformFetch = globalThis.fetch;
/** Redirects followed per request, as fetch itself would. */
const MAX_REDIRECTS = 20;

globalThis.fetch = function guardedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const scope = installing.getStore();
  if (!scope) return platformFetch(input, init);
  return fetchFromOrigin(new Request(input, init), scope.origin);
};

export function fromRegistryOnly<T>(registry: string, install: () => Promise<T>): Promise<T> {
  return installing.run({ origin: new URL(registry).origin }, install);
}

async function fetchFromOrigin(request: Request, origin: string): Promise<Response> {
  let current = request;
  for (let hop = 0; ; hop++) {
    const url = new URL(current.url);
    if (url.origin !== origin)
      throw new Error(
        `The registry pointed the installer at ${url.origin}; packages are fetched from the registry's own origin (${origin}) only.`,
      );
    const response = await platformFetch(current, { redirect: "manual" });
    const location = response.headers.get("Location");
    if (response.status < 300 || response.status >= 400 || location === null || hop >= MAX_REDIRECTS) return response;
    await response.body?.cancel();
    current = new Request(new URL(location, url), { method: "GET", headers: current.headers, signal: current.signal });
  }
}
