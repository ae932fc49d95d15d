import { DynamicWorkerExecutor, resolveProvider, type ResolvedProvider } from "@cloudflare/codemode";
import type { Workspace } from "@cloudflare/shell";
import { stateToolsFromBackend } from "@cloudflare/shell/workers";
import { textAtMost } from "../../src/preview";
import { codemodeLoader, type SandboxRuntime } from "../../src/sandbox";
import type { StoreLimits } from "../../src/store";
import { boundedStateBackend } from "./bounded-state";
import { truncate } from "./tool-outcome";

/** What the sandbox of `execute` reaches: the draft's files and the draft's running build. */
export interface ExecuteHost {
  runtime: SandboxRuntime;
  workspace: Workspace;
  limits: StoreLimits;
  /** How long the call may run. */
  executeTimeoutMs: number;
  /** Why the call must end now (the turn was cancelled, or ran out of time), or null; asked while it runs. */
  stopReason(): string | null;
  previewFetch(path: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
}

export interface ExecuteResult {
  result: unknown;
  logs: string[];
  error?: string;
}

/** CPU time of one execute where the runtime enforces limits (its wall time is the host's executeTimeoutMs). */
const CPU_MS = 30_000;
/** The host's own deadline comes a little after the sandbox's, which reports more precisely when it can. */
const HOST_GRACE_MS = 2_000;
/** How often the host looks at its deadline and at the turn (cancel, time budget) while the code runs. */
const WATCH_MS = 250;
const MAX_RESULT_CHARS = 20_000;
const MAX_LOG_LINES = 200;
const MAX_LOG_LINE_CHARS = 2_000;
/** The most of one `preview.fetch` answer the host reads for the code. */
const MAX_PREVIEW_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Runs the model's code in a fresh dynamic worker (codemode) with no network
 * (`globalOutbound: null`) and no host bindings: only `state` and `preview`,
 * whose calls come back to this host over RPC. Never throws: a failure is
 * `error`. Undoing its file changes on failure is the caller's job.
 */
export async function runExecute(code: string, host: ExecuteHost): Promise<ExecuteResult> {
  const executor = new DynamicWorkerExecutor({
    // codemode passes no limits: the runtime adds them (production honours cpuMs; npm start's supervisor stops a loop).
    loader: codemodeLoader(host.runtime, CPU_MS),
    timeout: host.executeTimeoutMs,
    globalOutbound: null,
  });
  const state = gated(resolveProvider(stateToolsFromBackend(boundedStateBackend(host.workspace, host.limits))));
  const watch = watchdog(host);
  try {
    const run = await Promise.race([executor.execute(code, [state.provider, previewProvider(host)]), watch.stopped]).finally(() => {
      watch.clear();
      return state.close();
    });
    // Bounded in the sandbox already (BOUNDED_CONSOLE); checked again here, as the code may have replaced console itself.
    const logs = (run.logs ?? []).slice(0, MAX_LOG_LINES + 1).map((line) => truncate(String(line), MAX_LOG_LINE_CHARS, "log less"));
    return { result: clip(run.result), logs, ...(run.error ? { error: run.error } : {}) };
  } catch (error) {
    return { result: undefined, logs: [], error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The host's own limits on a running call, whatever the code does to its
 * timers (the sandbox's timeout is a timer inside the sandbox, which the
 * code can replace or outlive): `stopped` rejects past the deadline, or when
 * the turn is cancelled or out of time. The code's later state calls are
 * then refused, so it can no longer touch the draft.
 */
function watchdog(host: ExecuteHost): { stopped: Promise<never>; clear(): void } {
  const deadline = Date.now() + host.executeTimeoutMs + HOST_GRACE_MS;
  let timer: ReturnType<typeof setInterval> | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const reason =
        Date.now() > deadline
          ? `The code ran past its ${host.executeTimeoutMs / 1000} s time limit (EXECUTE_TIMEOUT_MS); it was stopped.`
          : host.stopReason();
      if (reason) reject(new Error(reason));
    }, WATCH_MS);
  });
  stopped.catch(() => undefined);
  return { stopped, clear: () => clearInterval(timer) };
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
        const body = await textAtMost(response, MAX_PREVIEW_BODY_BYTES, `The answer to ${String(path)}`);
        return { status: response.status, headers: Object.fromEntries(response.headers), body };
      },
    },
    prelude: `preview.fetch = async (path, init = {}) => {
  const answer = __parseForCodemode(await __dispatchers.preview.call("rawFetch", __stringifyForCodemode([String(path), { method: init.method, headers: init.headers && Object.fromEntries(new Headers(init.headers)), body: init.body === undefined ? undefined : String(init.body) }])));
  if (answer.error) throw new Error(answer.error);
  return new Response(answer.result.body, { status: answer.result.status, headers: answer.result.headers });
};
${BOUNDED_CONSOLE}`,
  };
}

/**
 * Console output kept inside the sandbox, bounded there: the first
 * MAX_LOG_LINES lines of at most MAX_LOG_LINE_CHARS each, then one line
 * counting the rest. Unbounded, a call that logs without end would send back
 * more than an RPC answer holds (32 MiB) and lose its result with its logs.
 * codemode's own console (which collects into `__logs`) is replaced.
 */
const BOUNDED_CONSOLE = `{
  let dropped = 0;
  const keep = (prefix) => (...parts) => {
    if (__logs.length < ${MAX_LOG_LINES}) {
      const line = prefix + parts.map(String).join(" ");
      // One character over the bound, so the host still sees it was cut (and says so).
      __logs.push(line.slice(0, ${MAX_LOG_LINE_CHARS + 1}));
      return;
    }
    __logs[${MAX_LOG_LINES}] = "[… " + ++dropped + " more log lines not shown]";
  };
  console.log = console.info = console.debug = keep("");
  console.warn = keep("[warn] ");
  console.error = keep("[error] ");
}`;

/** Keeps a result the model can read: JSON-able, and cut when long. */
function clip(result: unknown): unknown {
  if (result === undefined) return undefined;
  const text = typeof result === "string" ? result : JSON.stringify(result);
  if (text === undefined || text.length <= MAX_RESULT_CHARS) return result;
  return truncate(text, MAX_RESULT_CHARS, "return less, or summarise in the code");
}
