/** `SELF`, `env` and execution contexts of `cloudflare:test`, for the project's server in this sandbox. */
import type { SANDBOX_EXPORTS } from "./protocol";

type FetchHandler = { fetch?: (request: Request, env: unknown, ctx: ExecutionContext) => Response | Promise<Response> };

interface TestExecutionContext extends ExecutionContext {
  readonly pending: Promise<unknown>[];
}

export function createExecutionContext(): TestExecutionContext {
  const pending: Promise<unknown>[] = [];
  return {
    pending,
    waitUntil: (promise: Promise<unknown>) => void pending.push(promise),
    passThroughOnException: () => {},
    props: {},
  } as unknown as TestExecutionContext;
}

export async function waitOnExecutionContext(ctx: ExecutionContext): Promise<void> {
  const pending = (ctx as TestExecutionContext).pending ?? [];
  while (pending.length > 0) await Promise.allSettled(pending.splice(0));
}

/**
 * The module `cloudflare:test` stands for. `env` is filled in when a run
 * starts; `SELF.fetch` calls the server's default export with it, as a
 * service binding to the worker would.
 */
export function cloudflareTestModule(server: () => Promise<FetchHandler | undefined>) {
  const module = {
    env: {} as Record<string, unknown>,
    createExecutionContext,
    waitOnExecutionContext,
    SELF: {
      async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
        const handler = await server();
        if (typeof handler?.fetch !== "function") {
          throw new Error("SELF.fetch: this project has no server entry with a default export that has fetch().");
        }
        const request = new Request(typeof input === "string" ? new URL(input, "http://localhost/") : input, init);
        const ctx = createExecutionContext();
        const response = await handler.fetch(request, module.env, ctx);
        // A service binding's caller does not wait for waitUntil work; tests rarely depend on it.
        void waitOnExecutionContext(ctx);
        return response;
      },
    },
  } satisfies Record<(typeof SANDBOX_EXPORTS)["cloudflare:test"][number], unknown>;
  return module;
}
