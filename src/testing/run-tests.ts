import type { BuildError, BuildOutput, TestBundle } from "../bundler";
import { sandboxEntry, textAtMost } from "../preview";
import type { SandboxGrant, SandboxRuntime } from "../sandbox";
import type { TestRun } from "./interface";
import { SANDBOX_RUNTIME } from "./sandbox-runtime.generated";
import { locate, sourceMaps } from "./sandbox/locate";
import type { RunRequest, RunResponse, SandboxTestResult, SourceLocation, TestStart } from "./sandbox/protocol";

/** A project's test files: `**\/*.test.{ts,tsx,js}`, outside node_modules, in path order. */
export function findTestFiles(paths: Iterable<string>): string[] {
  return [...paths].filter((path) => /\.test\.(ts|tsx|js)$/.test(path) && !/(^|\/)node_modules\//.test(path)).sort();
}

/** A whole run may take this long; per-test timeouts normally end it much sooner. */
const RUN_DEADLINE_MS = 120_000;
/** The most of a run's answer the host reads (each test's output is capped well below this). */
const MAX_RUN_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface SandboxTestRun {
  /** When the run began (its build and bundling count towards durationMs). */
  startedAt: number;
  runtime: SandboxRuntime;
  /** What the run's sandbox may reach (its fresh `env.KV`, the project's egress policy). */
  grant: SandboxGrant;
  /** A fresh Worker Loader id for each run, so no module state carries over between runs. */
  loaderId: string;
  bundle: TestBundle;
  /** The app's build: its compatibility date and flags apply to the tests too. */
  output: BuildOutput;
  testTimeoutMs: number;
  /** The test the run started last, if its sandbox said (a run stopped mid-test names it). */
  lastStarted?: () => TestStart | undefined;
}

/**
 * Runs bundled test files in a dynamic worker of their own: the runner
 * module (src/testing/sandbox/) with the test modules and the app's server.
 * `complete` is false when the sandbox itself failed (nothing to cache).
 */
export async function runTests(run: SandboxTestRun): Promise<{ run: TestRun; complete: boolean }> {
  const results: SandboxTestResult[] = run.bundle.failures.map(({ path, errors }) => ({
    file: path,
    name: path,
    ok: false,
    durationMs: 0,
    error: `The test file could not be bundled:\n${errors.map(formatBuildError).join("\n")}`,
    ...(errors[0]?.file && errors[0].line
      ? { location: { file: errors[0].file, line: errors[0].line, column: errors[0].column ?? 1 } }
      : {}),
  }));
  let skipped = 0;
  let complete = true;
  if (run.bundle.files.length > 0) {
    try {
      const answer = await callSandbox(run);
      results.push(...answer.results);
      skipped = answer.skipped;
    } catch (error) {
      complete = false;
      const test = run.lastStarted?.();
      const message = error instanceof Error ? error.message : String(error);
      results.push({
        file: test?.file ?? "",
        name: test?.name ?? "(test sandbox)",
        ok: false,
        durationMs: 0,
        error: test ? `${message} (it stopped while this test ran)` : String(error),
        ...located(test, run),
      });
    }
  }
  const failed = results.filter((result) => !result.ok).length;
  return {
    run: { ok: failed === 0, passed: results.length - failed, failed, skipped, durationMs: Date.now() - run.startedAt, results },
    complete,
  };
}

async function callSandbox(run: SandboxTestRun): Promise<RunResponse> {
  const worker = {
    id: run.loaderId,
    subject: "The test run",
    // A fresh run of the same files (its KV is the run's own): safe to send again.
    replayable: true,
    grant: run.grant,
    code: () => ({
      compatibilityDate: run.output.compatibilityDate,
      compatibilityFlags: run.output.compatibilityFlags,
      ...sandboxEntry({ mainModule: "runner.js", modules: { "runner.js": SANDBOX_RUNTIME, ...run.bundle.modules } }),
    }),
  };
  const request: RunRequest = {
    files: run.bundle.files,
    testTimeoutMs: run.testTimeoutMs,
    ...(run.bundle.server ? { server: run.bundle.server } : {}),
  };
  // The host's own deadline (an AbortSignal cannot cross into the sandbox process of `npm start`).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`The test run did not finish within ${RUN_DEADLINE_MS / 1000} s.`)), RUN_DEADLINE_MS);
  });
  try {
    const answer = (async () => {
      const response = await run.runtime.fetch(
        worker,
        new Request("http://sandbox/run", { method: "POST", body: JSON.stringify(request) }),
      );
      if (!response.ok) throw new Error(`The test runner answered ${response.status}: ${await response.text()}`);
      return JSON.parse(await textAtMost(response, MAX_RUN_RESPONSE_BYTES, "The test run's answer")) as RunResponse;
    })();
    answer.catch(() => undefined);
    return await Promise.race([answer, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where the test a run stopped in is declared, from the stack of its declaration. */
function located(test: TestStart | undefined, run: SandboxTestRun): { location?: SourceLocation } {
  const location = test?.stack ? locate(test.stack, sourceMaps(run.bundle.files)) : undefined;
  return location ? { location } : {};
}

function formatBuildError(error: BuildError): string {
  const where = error.file ? `${error.file}${error.line ? `:${error.line}:${error.column ?? 1}` : ""}: ` : "";
  return `  ${where}${error.message}`;
}
