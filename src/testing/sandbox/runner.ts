/**
 * The test runner inside a project's sandbox worker (bundled into one module
 * by scripts/build-sandbox-runtime.mjs). The host posts which test modules to
 * run; they run under vitest's own runner (@vitest/runner) with vitest's
 * `expect`, and the answer is one result per test, with failures located in
 * the project's sources through the test bundles' source maps.
 */
import { startTests, type File, type Suite, type Task, type TestContext, type VitestRunner, type VitestRunnerConfig } from "@vitest/runner";
import { cloudflareTestModule } from "./cloudflare-test";
import { captureConsole, outputOf } from "./console-capture";
import { checkAssertionCounts, expect, resetState } from "./expect";
import { locate, sourceMaps } from "./locate";
import {
  SANDBOX_MODULES_GLOBAL,
  TEST_PROGRESS_BINDING,
  type TestStart,
  type RunRequest,
  type RunResponse,
  type SandboxTestResult,
  type SourceLocation,
} from "./protocol";
import { vitestModule } from "./vitest";

/** Imports one of the sandbox's modules by name (a variable, so the bundler leaves the import to the runtime). */
const importModule = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

let request: RunRequest | undefined;
let progress: { started(test: TestStart): Promise<void> } | undefined;
/** The stack of each test's declaration (see extendTaskContext). */
const declared = new WeakMap<Task, string>();
const cloudflareTest = cloudflareTestModule(async () => {
  if (!request?.server) return undefined;
  return ((await importModule(`./${request.server}`)) as { default?: never }).default;
});
// Test bundles read "vitest" and "cloudflare:test" from here (see src/bundler/pipeline/test-bundle.ts).
Object.assign(globalThis, { [SANDBOX_MODULES_GLOBAL]: { vitest: vitestModule, "cloudflare:test": cloudflareTest } });

function runnerConfig(run: RunRequest): VitestRunnerConfig {
  return {
    root: "/",
    setupFiles: [],
    name: undefined,
    passWithNoTests: true,
    testNamePattern: undefined,
    allowOnly: true,
    sequence: { shuffle: false, concurrent: false, seed: 0, hooks: "stack", setupFiles: "list" },
    chaiConfig: undefined,
    maxConcurrency: 5,
    testTimeout: run.testTimeoutMs,
    hookTimeout: run.testTimeoutMs,
    retry: 0,
    includeTaskLocation: false,
    tags: [],
    tagsFilter: undefined,
    strictTags: false,
  };
}

class SandboxRunner implements VitestRunner {
  readonly config: VitestRunnerConfig;
  constructor(private readonly run: RunRequest) {
    this.config = runnerConfig(run);
  }

  async importFile(filepath: string): Promise<void> {
    const file = this.run.files.find((candidate) => candidate.path === filepath)!;
    // Each test module exports a function that runs the file's top level (see src/bundler/pipeline/test-bundle.ts).
    const module = (await importModule(`./${file.module}`)) as { default: () => Promise<unknown> };
    await module.default();
  }

  /** Called as each test is declared: its stack leads to the `it(…)` in the test file. */
  extendTaskContext(context: TestContext): TestContext {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 30;
    declared.set(context.task, new Error("declared").stack ?? "");
    Error.stackTraceLimit = limit;
    return context;
  }

  /**
   * Tells the host which test starts, before it runs: a run stopped in it then
   * names it. The host locates its declaration only then (reading source maps
   * costs milliseconds a run).
   */
  async onBeforeRunTask(task: Task): Promise<void> {
    if (task.type !== "test" || !progress) return;
    await progress.started({ file: task.file.filepath, name: task.fullTestName ?? task.name, stack: declared.get(task) ?? "" });
  }

  onBeforeTryTask(): void {
    resetState(expect);
  }

  onAfterTryTask(): void {
    checkAssertionCounts(expect);
  }
}

export default {
  async fetch(incoming: Request, env: Record<string, unknown>): Promise<Response> {
    if (request) return Response.json({ error: "This sandbox already ran its tests." }, { status: 409 });
    request = (await incoming.json()) as RunRequest;
    const { [TEST_PROGRESS_BINDING]: binding, ...testEnv } = env;
    progress = binding as typeof progress;
    cloudflareTest.env = testEnv;
    captureConsole();
    const files = await startTests(
      request.files.map((file) => file.path),
      new SandboxRunner(request),
    );
    return Response.json(summarize(files, request));
  },
};

function summarize(files: File[], run: RunRequest): RunResponse {
  const results: SandboxTestResult[] = [];
  let skipped = 0;
  const maps = sourceMaps(run.files);
  const visit = (task: Task) => {
    if (task.type === "suite") {
      // A suite (or file) that failed outside its tests: a throw at import, or in beforeAll/afterAll.
      if (task.result?.state === "fail" && task.result.errors?.length) {
        results.push(entry(task, task.file.filepath, task.fullTestName ?? task.file.filepath, maps));
      }
      for (const child of (task as Suite).tasks) visit(child);
      return;
    }
    if (task.mode === "skip" || task.mode === "todo" || !task.result || task.result.state === "skip" || task.result.state === "todo") {
      skipped++;
      return;
    }
    results.push(entry(task, task.file.filepath, task.fullTestName ?? task.name, maps));
  };
  for (const file of files) visit(file);
  return { results, skipped };
}

function entry(task: Task, file: string, name: string, maps: Map<string, unknown>): SandboxTestResult {
  const ok = task.result?.state === "pass";
  const result: SandboxTestResult = { file, name, ok, durationMs: Math.round(task.result?.duration ?? 0) };
  const errors = ok ? [] : (task.result?.errors ?? []);
  // A test can fail more than once (its body, then an afterEach): each error is reported, the first one located.
  const described = errors.map((error) => {
    const location = locate(error.stack ?? "", maps);
    return { text: describeError(error, location), location };
  });
  if (described.length > 0) result.error = described.map((error) => error.text).join("\n\n");
  if (described[0]?.location) result.location = described[0].location;
  const output = outputOf(task.id);
  if (output) result.output = output;
  return result;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC.
const ANSI = /\u001b\[[0-9;]*m/g;

function describeError(error: { name?: string; message?: string; diff?: string }, location: SourceLocation | undefined): string {
  const parts = [`${error.name ?? "Error"}: ${error.message ?? ""}`];
  if (error.diff) parts.push(error.diff.replace(ANSI, ""));
  if (location) parts.push(`at ${location.file}:${location.line}:${location.column}`);
  return parts.join("\n\n");
}
