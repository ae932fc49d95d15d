import type { BuildError } from "../bundler";
import type { SandboxTestResult } from "./sandbox/protocol";

/** A run of a tree's test files (docs/api.md, Project tests). */
export interface TestRun {
  ok: boolean;
  passed: number;
  failed: number;
  /** Tests marked skip or todo. */
  skipped: number;
  durationMs: number;
  /** One per test, as the sandbox's runner reports them, after one per test file that could not be bundled. */
  results: SandboxTestResult[];
  /** Present when the project did not build: no test ran. */
  buildErrors?: BuildError[];
}
