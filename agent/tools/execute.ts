import { DynamicWorkerExecutor, resolveProvider, type ResolvedProvider } from "@cloudflare/codemode";
import type { Workspace } from "@cloudflare/shell";
import { stateTools } from "@cloudflare/shell/workers";
import { truncate } from "./outcome";

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
  try {
    const run = await executor.execute(code, [resolveProvider(stateTools(host.workspace)), previewProvider(host)]);
    const logs = (run.logs ?? []).slice(0, MAX_LOG_LINES).map((line) => truncate(String(line), 2000, "log less"));
    if ((run.logs?.length ?? 0) > MAX_LOG_LINES) logs.push(`[… ${run.logs!.length - MAX_LOG_LINES} more log lines not shown]`);
    return { result: clip(run.result), logs, ...(run.error ? { error: run.error } : {}) };
  } catch (error) {
    return { result: undefined, logs: [], error: error instanceof Error ? error.message : String(error) };
  }
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
