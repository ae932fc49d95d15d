import { DynamicWorkerExecutor, resolveProvider, type ResolvedProvider } from "@cloudflare/codemode";
import type { Workspace } from "@cloudflare/shell";
import { stateTools } from "@cloudflare/shell/workers";
import { truncate } from "./tool-outcome";

/** What the sandbox of `execute` reaches: the draft's files and the draft's running build. */
export interface ExecuteHost {
  loader: WorkerLoader;
  workspace: Workspace;
  previewFetch(path: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
}

export interface ExecuteResult {
  result: unknown;
  logs: string[];
  error?: string;
}

/** Wall time of one execute (the sandbox's own timer), and its CPU time where the runtime enforces limits. */
const TIMEOUT_MS = 30_000;
const CPU_MS = 30_000;
const MAX_RESULT_CHARS = 20_000;
const MAX_LOG_LINES = 200;

/**
 * Runs the model's code in a fresh dynamic worker (codemode) with no network
 * (`globalOutbound: null`) and no host bindings: only `state` and `preview`,
 * whose calls come back to this host over RPC. Never throws: a failure is
 * `error`. Undoing its file changes on failure is the caller's job.
 */
export async function runExecute(code: string, host: ExecuteHost): Promise<ExecuteResult> {
  const executor = new DynamicWorkerExecutor({
    // codemode passes no limits; production honours them (local workerd ignores cpuMs).
    loader: { load: (worker: WorkerLoaderWorkerCode) => host.loader.load({ ...worker, limits: { cpuMs: CPU_MS } }) } as WorkerLoader,
    timeout: TIMEOUT_MS,
    globalOutbound: null,
  });
  const state = gated(resolveProvider(stateTools(host.workspace)));
  try {
    const run = await executor.execute(code, [state.provider, previewProvider(host)]).finally(() => state.close());
    const logs = (run.logs ?? []).slice(0, MAX_LOG_LINES).map((line) => truncate(String(line), 2000, "log less"));
    if ((run.logs?.length ?? 0) > MAX_LOG_LINES) logs.push(`[… ${run.logs!.length - MAX_LOG_LINES} more log lines not shown]`);
    return { result: clip(run.result), logs, ...(run.error ? { error: run.error } : {}) };
  } catch (error) {
    return { result: undefined, logs: [], error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * A provider whose calls are refused once the run is over, and whose calls
 * still under way are awaited by `close`: codemode lets a call the code did
 * not await run after the code returned, which would write the draft after
 * its result was checked and recorded.
 */
function gated(provider: ResolvedProvider): { provider: ResolvedProvider; close(): Promise<void> } {
  let open = true;
  const running = new Set<Promise<unknown>>();
  const fns = Object.fromEntries(
    Object.entries(provider.fns).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        if (!open) return Promise.reject(new Error(`state.${name} was called after the code returned; await every call.`));
        const call = Promise.resolve(fn(...args));
        running.add(call);
        return call.finally(() => running.delete(call));
      },
    ]),
  );
  return {
    provider: { ...provider, fns },
    async close() {
      open = false;
      await Promise.allSettled([...running]);
    },
  };
}

/** `preview.fetch(path, init)` in the sandbox: answered by the host, handed back as a real Response. */
function previewProvider(host: ExecuteHost): ResolvedProvider {
  return {
    name: "preview",
    fns: {
      rawFetch: async (...args: unknown[]) => {
        const [path, init] = args as [string, { method?: string; headers?: Record<string, string>; body?: string } | undefined];
        const response = await host.previewFetch(String(path), init ?? {});
        return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
      },
    },
    prelude: `preview.fetch = async (path, init = {}) => {
  const answer = __parseForCodemode(await __dispatchers.preview.call("rawFetch", __stringifyForCodemode([String(path), { method: init.method, headers: init.headers && Object.fromEntries(new Headers(init.headers)), body: init.body === undefined ? undefined : String(init.body) }])));
  if (answer.error) throw new Error(answer.error);
  return new Response(answer.result.body, { status: answer.result.status, headers: answer.result.headers });
};`,
  };
}

/** Keeps a result the model can read: JSON-able, and cut when long. */
function clip(result: unknown): unknown {
  if (result === undefined) return undefined;
  const text = typeof result === "string" ? result : JSON.stringify(result);
  if (text === undefined || text.length <= MAX_RESULT_CHARS) return result;
  return truncate(text, MAX_RESULT_CHARS, "return less, or summarise in the code");
}
