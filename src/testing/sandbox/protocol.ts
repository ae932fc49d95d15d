/**
 * The contract between test bundles (src/bundler/pipeline/test-bundle.ts), the host
 * (src/testing/run-tests.ts) and the sandbox's test runner: one POST, one JSON answer.
 */

/** The global where the runner publishes what test files import as "vitest" and "cloudflare:test". */
export const SANDBOX_MODULES_GLOBAL = "__sandboxTestModules";
/**
 * The binding a test run's sandbox tells the host through which test starts
 * (so a run stopped mid-test says which); the runner takes it out of the
 * tests' `env`.
 */
export const TEST_PROGRESS_BINDING = "__testProgress";

/** Which test of a run is starting. */
export interface TestStart {
  file: string;
  name: string;
  /** The stack of its declaration in the test bundle (the host locates it in the sources when the run is stopped). */
  stack: string;
}

/** What test files can import from each module the sandbox provides (checked when bundling). */
export const SANDBOX_EXPORTS = {
  vitest: [
    "describe",
    "suite",
    "it",
    "test",
    "beforeAll",
    "afterAll",
    "beforeEach",
    "afterEach",
    "onTestFailed",
    "onTestFinished",
    "expect",
    "assert",
    "chai",
    "vi",
    "vitest",
  ],
  "cloudflare:test": ["SELF", "env", "createExecutionContext", "waitOnExecutionContext"],
} as const;

export type SandboxModule = keyof typeof SANDBOX_EXPORTS;

/** Where each test bundle's generated entry lives; frames there are not the test's own. */
export const TEST_ENTRY_DIR = ".sandbox-tests";

export interface RunRequest {
  /** The test files in run order: project path, module name in the sandbox, and its bundle's source map. */
  files: { path: string; module: string; sourceMap?: unknown }[];
  /** Module name of the project's server, for `SELF`; absent for a project without one. */
  server?: string;
  testTimeoutMs: number;
}

/** A position in the project's sources; line and column count from 1. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** One test (or a test file or suite that failed outside its tests), as the API reports it. */
export interface SandboxTestResult {
  /** The test file's project path. */
  file: string;
  /** Suite and test names joined with " > " (as vitest names them); the file's path for a file that failed to load. */
  name: string;
  ok: boolean;
  durationMs: number;
  /** The failure: message, expected/received diff and where it failed. */
  error?: string;
  /** Where it failed in the project's sources, when known. */
  location?: SourceLocation;
  /** Console output while it ran (its own and the server's), the first 4000 characters. */
  output?: string;
}

export interface RunResponse {
  results: SandboxTestResult[];
  /** Tests marked skip or todo. */
  skipped: number;
}
