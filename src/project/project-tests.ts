import type { EgressPolicy } from "../preview";
import type { SandboxGrant, SandboxRuntime } from "../sandbox";
import { findTestFiles, runTests, TestRunCache, type TestRun } from "../testing";
import type { VersionRef } from "../store";
import type { TestStart } from "../testing/sandbox/protocol";
import { AppKvStore } from "./app-kv";
import type { ProjectBuilds } from "./project-builds";

/** What a test request answers (docs/api.md, Project tests). */
export interface TestSummary extends TestRun {
  version: VersionRef;
  /** True when the stored run of an identical tree was reused. */
  cached: boolean;
}

/** Each run's `env.KV` is a table of its own, dropped when the run ends. */
const RUN_KV_PREFIX = "test_kv_";
/** The most of a test's declaration stack kept (the runner takes 30 frames). */
const MAX_STACK_CHARS = 8_000;

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
  /** The D1 bindings each run in progress opened. */
  private readonly runDatabases = new Map<string, Set<string>>();
  /** The test each run in progress started last (TEST_PROGRESS_BINDING). */
  private readonly runTest = new Map<string, TestStart>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly builds: ProjectBuilds,
    private readonly options: {
      projectId: string;
      runtime: SandboxRuntime;
      testTimeoutMs: number;
      /** The sandbox's egress policy: a run that may reach the network is never reused. */
      networkPolicy: () => EgressPolicy;
      /** What a run's sandbox may reach: its `env.KV` must reach `kv(runId)`. */
      grant: (runId: string) => SandboxGrant;
      /** Drops a run's D1 database (see AppD1). */
      dropDatabase: (runId: string, binding: string) => Promise<void>;
    },
  ) {
    this.cache = new TestRunCache(sql);
    // Tables of runs cut short by a restart.
    for (const { name } of sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ?",
        RUN_KV_PREFIX.length,
        RUN_KV_PREFIX,
      )
      .toArray()) {
      sql.exec(`DROP TABLE "${name}"`);
    }
  }

  async run(ref: VersionRef): Promise<TestSummary> {
    // Without network access a run depends on its tree alone (storage starts empty); with it, on the world too.
    const reusable = this.options.networkPolicy().allowedHosts.length === 0;
    const key = this.key(await this.builds.treeOf(ref));
    const stored = reusable ? this.cache.get(key) : null;
    if (stored) return { version: ref, ...stored, cached: true };
    let running = this.running.get(key);
    if (!running) {
      running = this.runTree(ref, reusable).finally(() => this.running.delete(key));
      this.running.set(key, running);
    }
    return { version: ref, ...(await running), cached: false };
  }

  /** A run in progress starts a test (a run that ended is not listened to). */
  started(runId: string, test: TestStart): void {
    if (!this.runKv.has(runId)) return;
    this.runTest.set(runId, {
      file: String(test.file).slice(0, 1_000),
      name: String(test.name).slice(0, 1_000),
      // Bounded: the host parses it if the run is stopped (see runTests).
      stack: String(test.stack).slice(0, MAX_STACK_CHARS),
    });
  }

  /** A run in progress opened its D1 database `binding`. */
  databaseUsed(runId: string, binding: string): void {
    const databases = this.runDatabases.get(runId);
    if (!databases) throw new Error("This test run has ended; its databases are gone.");
    databases.add(binding);
  }

  /** The `env.KV` of a run in progress. */
  kv(runId: string): AppKvStore {
    const kv = this.runKv.get(runId);
    if (!kv) throw new Error("This test run has ended; its KV is gone.");
    return kv;
  }

  private key(tree: string): string {
    return TestRunCache.key(tree, { testTimeoutMs: this.options.testTimeoutMs });
  }

  private async runTree(ref: VersionRef, reusable: boolean): Promise<TestRun> {
    const startedAt = Date.now();
    // One snapshot for the build and the tests, so both see the same tree (the draft may change meanwhile).
    const snapshot = await this.builds.snapshot(ref);
    const store = (run: TestRun) => (reusable ? this.store(this.key(snapshot.tree), run) : run);
    const build = await this.builds.result(snapshot);
    const testFiles = findTestFiles(snapshot.files.keys());
    const nothingRan = { ok: false, passed: 0, failed: 0, skipped: 0, durationMs: Date.now() - startedAt, results: [] };
    if (!build.ok || !build.output) {
      const failed = { ...nothingRan, buildErrors: build.errors };
      return build.retry ? failed : store(failed);
    }
    if (testFiles.length === 0) return store({ ...nothingRan, ok: true });
    const bundle = await this.builds.bundleTests(snapshot.files, testFiles, build.output);
    if (bundle.buildErrors) return store({ ...nothingRan, durationMs: Date.now() - startedAt, buildErrors: bundle.buildErrors });
    const runId = crypto.randomUUID().replaceAll("-", "");
    this.runKv.set(runId, new AppKvStore(this.sql, RUN_KV_PREFIX + runId));
    this.runDatabases.set(runId, new Set());
    try {
      const { run, complete } = await runTests({
        startedAt,
        runtime: this.options.runtime,
        grant: this.options.grant(runId),
        loaderId: `${this.options.projectId}:tests:${runId}`,
        bundle,
        output: build.output,
        testTimeoutMs: this.options.testTimeoutMs,
        lastStarted: () => this.runTest.get(runId),
      });
      return complete ? store(run) : run;
    } finally {
      for (const binding of this.runDatabases.get(runId) ?? []) await this.options.dropDatabase(runId, binding);
      this.runDatabases.delete(runId);
      this.runKv.delete(runId);
      this.runTest.delete(runId);
      this.sql.exec(`DROP TABLE IF EXISTS "${RUN_KV_PREFIX}${runId}"`);
    }
  }

  /** Stores a run for reuse; storing is best effort (the project may have been deleted meanwhile). */
  private store(key: string, run: TestRun): TestRun {
    try {
      this.cache.put(key, run);
    } catch (error) {
      console.warn("Could not store a test run:", error);
    }
    return run;
  }
}
