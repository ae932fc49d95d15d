import { findTestFiles, runTests, TestRunCache, type TestRun } from "../testing";
import type { VersionRef } from "../store";
import { AppKvStore } from "./app-kv";
import type { ProjectBuilds } from "./builds";

/** What a test request answers (API.md, Project tests). */
export interface TestSummary extends TestRun {
  version: VersionRef;
  /** True when the stored run of an identical tree was reused. */
  cached: boolean;
}

/** Each run's `env.KV` is a table of its own, dropped when the run ends. */
const RUN_KV_PREFIX = "test_kv_";

/**
 * Test runs of one project. A run builds the version (or reuses its build),
 * bundles its test files and runs them in a sandbox worker of their own with
 * a fresh, empty `env.KV`. Runs are stored by tree hash; concurrent requests
 * for one tree share a run.
 */
export class ProjectTests {
  private readonly cache: TestRunCache;
  private readonly running = new Map<string, Promise<TestRun>>();
  /** The KV of each run in progress, by run id. */
  private readonly runKv = new Map<string, AppKvStore>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly builds: ProjectBuilds,
    private readonly options: {
      projectId: string;
      loader: WorkerLoader;
      testTimeoutMs: number;
      /** The sandbox's egress policy: a run's results depend on what it may reach. */
      networkPolicy: () => unknown;
      /** The bindings of a run's sandbox: `env.KV` must reach `kv(runId)`. */
      sandbox: (runId: string) => { env: Record<string, unknown>; globalOutbound: Fetcher };
    },
  ) {
    this.cache = new TestRunCache(sql);
    // Tables of runs cut short by a restart.
    for (const { name } of sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ?", RUN_KV_PREFIX.length, RUN_KV_PREFIX).toArray()) {
      sql.exec(`DROP TABLE "${name}"`);
    }
  }

  async run(ref: VersionRef): Promise<TestSummary> {
    const key = TestRunCache.key(await this.builds.treeOf(ref), {
      testTimeoutMs: this.options.testTimeoutMs,
      networkPolicy: this.options.networkPolicy(),
    });
    const stored = this.cache.get(key);
    if (stored) return { version: ref, ...stored, cached: true };
    let running = this.running.get(key);
    if (!running) {
      running = this.runTree(ref, key).finally(() => this.running.delete(key));
      this.running.set(key, running);
    }
    return { version: ref, ...(await running), cached: false };
  }

  /** The `env.KV` of a run in progress. */
  kv(runId: string): AppKvStore {
    const kv = this.runKv.get(runId);
    if (!kv) throw new Error("This test run has ended; its KV is gone.");
    return kv;
  }

  private async runTree(ref: VersionRef, key: string): Promise<TestRun> {
    const started = Date.now();
    const { result: build } = await this.builds.result(ref);
    if (!build.ok || !build.output) {
      return this.stored(key, { ok: false, passed: 0, failed: 0, skipped: 0, durationMs: Date.now() - started, results: [], buildErrors: build.errors });
    }
    const files = await this.builds.readTree(ref);
    const bundle = await this.builds.bundleTests(files, findTestFiles(files.keys()), build.output);
    const runId = crypto.randomUUID().replaceAll("-", "");
    this.runKv.set(runId, new AppKvStore(this.sql, RUN_KV_PREFIX + runId));
    try {
      const { run, complete } = await runTests({
        loader: this.options.loader,
        loaderId: `${this.options.projectId}:tests:${runId}`,
        bundle,
        output: build.output,
        testTimeoutMs: this.options.testTimeoutMs,
        ...this.options.sandbox(runId),
      });
      run.durationMs = Date.now() - started;
      return complete ? this.stored(key, run) : run;
    } finally {
      this.runKv.delete(runId);
      this.sql.exec(`DROP TABLE IF EXISTS "${RUN_KV_PREFIX}${runId}"`);
    }
  }

  private stored(key: string, run: TestRun): TestRun {
    this.cache.put(key, run);
    return run;
  }
}
