import {
  buildProject,
  bundleTests,
  MAX_COMPATIBILITY_DATE,
  SqlBuildCache,
  type BuildError,
  type BuildResult,
  type BundleMemo,
  type DependencyCache,
  type SandboxCompile,
  type TestBundle,
  type TestBundleMemo,
  type VendorCache,
} from "../bundler";
import { buildErrorPage, loadPreview, runScheduled, servePreview, type LoadedPreview, type ScheduledRun } from "../preview";
import type { SandboxGrant, SandboxRuntime } from "../sandbox";
import { StoreError, treeHash, type ProjectStore, type VersionRef } from "../store";

/** What a build request answers (docs/api.md, Builds). */
export interface BuildSummary {
  version: VersionRef;
  ok: boolean;
  durationMs: number;
  errors: BuildError[];
  warnings: string[];
  /** True when the stored result of an identical tree was reused. */
  cached: boolean;
}

const LOADED_PREVIEWS = 16;
/** CPU time a compiler's call may take where the runtime enforces it (deployed): a large component compiles in well under a second. */
const COMPILER_CPU_MS = 30_000;

/** A version's files as read at one moment, with the tree hash they make. */
export interface Snapshot {
  tree: string;
  files: Map<string, Uint8Array>;
}

/**
 * Builds and previews of one project. Results are stored by tree hash, so an
 * identical tree (another version, a restore, the draft) or a restarted
 * object never bundles again; concurrent requests for one tree share a build.
 */
export class ProjectBuilds {
  private readonly cache: SqlBuildCache;
  private readonly running = new Map<string, Promise<BuildResult>>();
  /** Most recently used last. */
  private readonly loaded = new Map<string, LoadedPreview>();
  /** The last bundle of each side, reused by edits that do not touch its files. */
  private readonly memo: BundleMemo = {};
  /** Each test file's last bundle, reused by runs after edits that do not touch what it imports. */
  private readonly testMemo: TestBundleMemo = new Map();

  constructor(
    storage: DurableObjectStorage,
    private readonly store: ProjectStore,
    private readonly options: {
      projectId: string;
      registry: string;
      /** Installed dependency sets and vendor bundles, shared by all projects. */
      shared: { dependencies: DependencyCache; vendors: VendorCache };
      runtime: SandboxRuntime;
      /** What the project's preview workers may reach. */
      grant: () => SandboxGrant;
      /** A preview request that failed on the host's side (its worker stopped, its answer past a bound): for the project's log. */
      failed: (entry: { message: string; version: string; url: string }) => void;
    },
  ) {
    this.cache = new SqlBuildCache(storage);
  }

  async build(ref: VersionRef): Promise<BuildSummary> {
    const tree = await this.treeOf(ref);
    // Reporting a stored result needs its row only, not its (large) output.
    const stored = this.cache.buildStatus(tree);
    const result = stored ?? (await this.buildSnapshot(await this.snapshot(ref)));
    return {
      version: ref,
      ok: result.ok,
      durationMs: result.durationMs,
      errors: result.errors,
      warnings: result.warnings,
      cached: stored !== null,
    };
  }

  /** The stored build status of a version, if it was built. */
  async status(ref: VersionRef): Promise<{ ok: boolean; errors: BuildError[]; durationMs: number } | null> {
    const stored = this.cache.buildStatus(await this.treeOf(ref));
    return stored && { ok: stored.ok, errors: stored.errors, durationMs: stored.durationMs };
  }

  /** Serves a preview request, building on demand; a failed build answers 502 with its errors. */
  async serve(request: Request, ref: VersionRef, label: string): Promise<Response> {
    const preview = await this.loadedPreview(ref);
    if ("errors" in preview) return buildErrorPage(label, preview.errors);
    return servePreview(request, preview, String(ref), this.options.runtime, this.options.grant(), (message) =>
      this.options.failed({ message, version: String(ref), url: request.url }),
    );
  }

  /** Runs a version's `scheduled` handler once with `cron` (empty: its config's first), building on demand. */
  async scheduled(
    ref: VersionRef,
    cron: string,
  ): Promise<(ScheduledRun | { cron: string; outcome: "build_failed"; errors: BuildError[] }) & { version: VersionRef }> {
    const preview = await this.loadedPreview(ref);
    if ("errors" in preview) return { version: ref, cron, outcome: "build_failed", errors: preview.errors };
    const run = await runScheduled(preview, cron, String(ref), this.options.runtime, this.options.grant(), (message) =>
      this.options.failed({ message, version: String(ref), url: "scheduled" }),
    );
    return { version: ref, ...run };
  }

  /** A version's loaded preview (the last few are kept), or its build's errors. */
  private async loadedPreview(ref: VersionRef): Promise<LoadedPreview | { errors: BuildError[] }> {
    const tree = await this.treeOf(ref);
    const key = `${ref}:${tree}`;
    let preview = this.loaded.get(key);
    if (!preview) {
      const result = (await this.cache.getBuild(tree)) ?? (await this.buildSnapshot(await this.snapshot(ref)));
      if (!result.ok || !result.output) return { errors: result.errors };
      preview = await loadPreview(this.options.projectId, result.output);
    }
    this.loaded.delete(key);
    this.loaded.set(key, preview);
    if (this.loaded.size > LOADED_PREVIEWS) this.loaded.delete(this.loaded.keys().next().value!);
    return preview;
  }

  /** The build of a snapshot's tree, stored or made now. */
  async result(snapshot: Snapshot): Promise<BuildResult> {
    return (await this.cache.getBuild(snapshot.tree)) ?? (await this.buildSnapshot(snapshot));
  }

  /** Bundles test files of a version against its build's server (see src/bundler/pipeline/test-bundle.ts). */
  bundleTests(files: Map<string, Uint8Array>, testFiles: string[], server: BuildResult["output"]): Promise<TestBundle> {
    return bundleTests({
      files,
      testFiles,
      ...this.options.shared,
      registry: this.options.registry,
      memo: this.testMemo,
      ...(server?.mainModule ? { server } : {}),
    });
  }

  /**
   * A framework compiler's call, in the sandbox like the app: its worker gets no
   * bindings and no network, and a compiler that runs away is stopped as an app is.
   */
  private async compile(worker: Parameters<SandboxCompile>[0], body: unknown): Promise<unknown> {
    const grant: SandboxGrant = { projectId: this.options.projectId, kv: false, egress: false, tail: false, cpuMs: COMPILER_CPU_MS };
    const code = {
      mainModule: "compiler.js",
      modules: { "compiler.js": worker.code },
      compatibilityDate: MAX_COMPATIBILITY_DATE,
      ...(worker.nodejsCompat ? { compatibilityFlags: ["nodejs_compat"] } : {}),
    };
    const request = new Request("http://compiler/", { method: "POST", body: JSON.stringify(body) });
    const response = await this.options.runtime.fetch(
      { id: worker.id, subject: worker.subject, grant, code: () => code, replayable: true },
      request,
    );
    return response.json();
  }

  private buildSnapshot({ tree, files }: Snapshot): Promise<BuildResult> {
    let running = this.running.get(tree);
    if (!running) {
      running = (async () => {
        const result = await buildProject({
          files,
          ...this.options.shared,
          memo: this.memo,
          modules: true,
          registry: this.options.registry,
          compile: (worker, body) => this.compile(worker, body),
        });
        if (!result.retry) await this.cache.putBuild(tree, result);
        return result;
      })().finally(() => this.running.delete(tree));
      this.running.set(tree, running);
    }
    return running;
  }

  async treeOf(ref: VersionRef): Promise<string> {
    if (ref === "draft") return treeHash(await this.store.manifest("draft"));
    return (await this.store.version(ref)).tree;
  }

  /**
   * Reads a version's files. Versions never change; the draft can change
   * between reads (an edit landing while a build awaits the registry), so
   * each file is checked against the manifest its tree hash comes from.
   */
  async snapshot(ref: VersionRef): Promise<Snapshot> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const manifest = await this.store.manifest(ref);
      const files = new Map<string, Uint8Array>();
      for (const [path, entry] of manifest) {
        const file = await this.store.readFile(ref, path);
        if (!file || file.hash !== entry.hash) break;
        files.set(path, file.bytes);
      }
      if (files.size === manifest.size) return { tree: treeHash(manifest), files };
    }
    throw new StoreError("conflict", "The draft kept changing while it was being read; try again.");
  }
}
