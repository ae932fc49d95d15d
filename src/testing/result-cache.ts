import { hashBytes } from "../store";
import type { TestRun } from "./interface";
import { SANDBOX_RUNTIME } from "./sandbox-runtime.generated";

/** Bumped when test bundling changes; the runner's own code is part of every key. */
const PIPELINE = "t3";
const RUNNER = hashBytes(new TextEncoder().encode(SANDBOX_RUNTIME)).slice(0, 16);
/** Stored runs kept per project (the newest); older trees are rarely asked for again. */
const KEPT_RUNS = 100;
/** A Durable Object SQLite row holds at most 2 MB; a larger run is answered but not stored. */
const MAX_STORED_BYTES = 1_900_000;

/**
 * Test runs of trees whose sandbox has no network access: such a run starts
 * from empty storage and depends on its tree, the runner and the timeout only.
 */
export class TestRunCache {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS test_runs (
      key TEXT PRIMARY KEY, run TEXT NOT NULL, created_at INTEGER NOT NULL)`);
  }

  static key(tree: string, options: { testTimeoutMs: number }): string {
    return `${PIPELINE}:${RUNNER}:${tree}:${options.testTimeoutMs}`;
  }

  get(key: string): TestRun | null {
    const row = this.sql.exec<{ run: string }>("SELECT run FROM test_runs WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(row.run) as TestRun) : null;
  }

  put(key: string, run: TestRun): void {
    const json = JSON.stringify(run);
    if (new TextEncoder().encode(json).byteLength > MAX_STORED_BYTES) return;
    this.sql.exec("INSERT OR REPLACE INTO test_runs (key, run, created_at) VALUES (?, ?, ?)", key, json, Date.now());
    this.sql.exec("DELETE FROM test_runs WHERE key NOT IN (SELECT key FROM test_runs ORDER BY created_at DESC LIMIT ?)", KEPT_RUNS);
  }
}
