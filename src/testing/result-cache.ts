import { hashBytes } from "../store";
import type { TestRun } from "./interface";

/** Bumped when the runner changes what a run reports, so older stored runs are not reused. */
const RUNNER = "t1";

/**
 * Test runs by tree hash and what else shapes a run (its timeout and the
 * sandbox's network policy). Each run starts from empty storage, so a tree's
 * run under the same settings is stored once.
 */
export class TestRunCache {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS test_runs (
      key TEXT PRIMARY KEY, run TEXT NOT NULL, created_at INTEGER NOT NULL)`);
  }

  static key(tree: string, options: { testTimeoutMs: number; networkPolicy: unknown }): string {
    return `${RUNNER}:${tree}:${hashBytes(new TextEncoder().encode(JSON.stringify([options.testTimeoutMs, options.networkPolicy])))}`;
  }

  get(key: string): TestRun | null {
    const row = this.sql.exec<{ run: string }>("SELECT run FROM test_runs WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(row.run) as TestRun) : null;
  }

  put(key: string, run: TestRun): void {
    this.sql.exec("INSERT OR REPLACE INTO test_runs (key, run, created_at) VALUES (?, ?, ?)", key, JSON.stringify(run), Date.now());
  }
}
