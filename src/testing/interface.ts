import type { BuildError } from "../build";

/** One test (or a test file or suite that failed outside its tests), as the API reports it. */
export interface TestResult {
  /** The test file's project path. */
  file: string;
  /** Suite and test names joined with " > " (as vitest names them); the file's path for a file that failed to load. */
  name: string;
  ok: boolean;
  durationMs: number;
  /** The failure: the assertion's message, the expected/received diff and where it failed. */
  error?: string;
  /** Where it failed in the project's sources, when known. */
  location?: { file: string; line: number; column: number };
}

/** A run of a tree's test files (API.md, Project tests). */
export interface TestRun {
  ok: boolean;
  passed: number;
  failed: number;
  /** Tests marked skip or todo. */
  skipped: number;
  durationMs: number;
  results: TestResult[];
  /** Present when the project did not build: no test ran. */
  buildErrors?: BuildError[];
}
