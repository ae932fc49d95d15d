import { DurableObject } from "cloudflare:workers";
import { limitsFromEnv, type TurnBudgets } from "../server-config";
import { diffTrees, formatGitPatch, toJsonFile } from "../diff";
import type { BuildError } from "../bundler";
import {
  NotFoundError,
  SqlStore,
  sortedPaths,
  type Author,
  type Change,
  type CommitResult,
  type VersionInfo,
  type VersionRef,
} from "../store";
import { notFoundPage, type EgressPolicy, type OwnHosts } from "../preview";
import type { AppKvStore, KvValueType } from "./app-kv";
import type { BuildSummary } from "./project-builds";
import type { LogEntry, NewLogEntry } from "./project-logs";
import type { TestStart } from "../testing/sandbox/protocol";
import type { PublicSettings } from "./project-settings";
import { ProjectError } from "./project-errors";
import { capture, captureWhileExists, type Outcome } from "./rpc-outcome";
import { createParts, type Parts } from "./parts";
import type { TestSummary } from "./project-tests";
import { LIST_REPAIR_DELAY_MS, ProjectIndex } from "./project-index";
import type { ConversationView } from "./project-turns";
import type { DiffResult, FileListing, ProjectInfo, RawFile } from "./project-types";
import type { TurnEvent, TurnInfo } from "./turn-log";

/**
 * One project: its store (history + draft) in this object's SQLite database.
 * Every method returns an Outcome so refusals keep their code across RPC.
 * An object whose `project` table does not exist is not a project (never
 * created, or deleted): everything but `create` answers not_found.
 */
export class ProjectObjectBase extends DurableObject<Env> {
  /** Set while this object holds a project; every part lives in its SQLite database. */
  protected parts: Parts | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      const row = this.projectRow();
      if (row) this.attach(row.id, await SqlStore.open(ctx.storage, limitsFromEnv(env)));
      // A job whose alarm was lost with a crash (a turn's step) is due again.
      await this.parts?.timers.rearm();
    });
  }

  /** Creates the project with its first version, made of `files`. */
  create(input: { id: string; name: string; files: Change[] }): Promise<Outcome<ProjectInfo>> {
    return capture(async () => {
      if (this.projectRow()) throw new ProjectError("project_exists", `Project ${input.id} already exists.`);
      const store = await SqlStore.open(this.ctx.storage, limitsFromEnv(this.env));
      try {
        await store.commit({ base: 0, message: "Create project", author: "user", changes: input.files });
      } catch (error) {
        await this.ctx.storage.deleteAll();
        throw error;
      }
      const createdAt = Date.now();
      this.ctx.storage.sql.exec("CREATE TABLE project (id TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL)");
      this.ctx.storage.sql.exec("INSERT INTO project VALUES (?, ?, ?)", input.id, input.name, createdAt);
      this.attach(input.id, store);
      // Lists the project even if the caller's own insert into the list never happens.
      await this.scheduleListRepair();
      return { id: input.id, name: input.name, head: 1, createdAt: new Date(createdAt).toISOString() };
    });
  }

  info(): Promise<Outcome<ProjectInfo>> {
    return this.guarded(async () => {
      const row = this.projectRow();
      if (!row) throw this.missing();
      const turn = this.part("turns").log.list()[0];
      return {
        id: row.id,
        name: row.name,
        head: await this.part("store").head(),
        createdAt: new Date(row.created_at).toISOString(),
        ...(turn ? { turn: { id: turn.id, status: turn.status } } : {}),
      };
    });
  }

  /** Deletes everything the project holds. */
  destroy(): Promise<Outcome<void>> {
    return capture(async () => {
      if (!this.projectRow()) throw this.missing();
      // A turn's open event streams end now, with a last event saying why (see the events route).
      this.parts?.turns.log.close();
      this.parts = undefined;
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
    });
  }

  commit(request: { base: number; message?: string; author: Author; changes: Change[] }): Promise<Outcome<CommitResult>> {
    return this.guarded(async () => {
      const store = this.part("store");
      this.refuseDuringTurn();
      await this.scheduleListRepair();
      return this.published(await store.commit(request));
    });
  }

  restore(request: { version: number; base?: number; author: Author }): Promise<Outcome<CommitResult>> {
    return this.guarded(async () => {
      const store = this.part("store");
      this.refuseDuringTurn();
      await this.scheduleListRepair();
      return this.published(await store.restore(request));
    });
  }

  versions(): Promise<Outcome<VersionInfo[]>> {
    return this.guarded(() => this.part("store").versions());
  }

  /** A version, with its build status once it was built. */
  version(id: number): Promise<Outcome<VersionInfo & { build?: { ok: boolean; errors: BuildError[]; durationMs: number } }>> {
    return this.guarded(async () => {
      const info = await this.part("store").version(id);
      const build = await this.part("builds").status(id);
      return build ? { ...info, build } : info;
    });
  }

  /** Builds a version (default head) or the draft, reusing a stored result of the same tree. */
  build(ref: VersionRef | undefined): Promise<Outcome<BuildSummary>> {
    return this.guarded(async () => this.part("builds").build(ref ?? (await this.part("store").head())));
  }

  /** Runs the `scheduled` handler of a version (default head) or the draft once, as a cron trigger would. (Not named `scheduled`: that is a handler's name.) */
  runScheduled(ref: VersionRef | undefined, cron: string | undefined) {
    return this.guarded(async () => this.part("builds").scheduled(ref ?? (await this.part("store").head()), cron ?? ""));
  }

  /**
   * Runs the test files of a version (default head) or the draft, reusing a
   * stored run of the same tree. (Not named `test`: workerd reserves that handler name.)
   */
  runTests(ref: VersionRef | undefined): Promise<Outcome<TestSummary>> {
    return this.guarded(async () => this.part("tests").run(ref ?? (await this.part("store").head())));
  }

  /**
   * Answers a request to a preview origin. `label` names the origin in pages.
   * Unknown projects and versions get a 404 page, a failed build a 502 page.
   */
  async preview(request: Request, ref: "head" | VersionRef, label: string): Promise<Response> {
    const parts = this.parts;
    const gone = () => notFoundPage(`There is no project ${label.split("--")[0]}.`);
    if (!parts) return gone();
    try {
      const head = await parts.store.head();
      const version = ref === "head" ? head : ref;
      if (version !== "draft" && version > head) return notFoundPage(`There is no version ${version}.`);
      return await parts.builds.serve(request, version, label);
    } catch (error) {
      if (this.parts !== parts) return gone();
      throw error;
    }
  }

  /** `ref` undefined means head. */
  listFiles(ref: VersionRef | undefined): Promise<Outcome<FileListing>> {
    return this.guarded(async () => {
      const store = this.part("store");
      const version = ref ?? (await store.head());
      const manifest = await store.manifest(version);
      const files = sortedPaths(manifest).map((path) => ({ path, ...manifest.get(path)! }));
      return { version, files };
    });
  }

  readFile(ref: VersionRef | undefined, path: string): Promise<Outcome<RawFile>> {
    return this.guarded(async () => {
      const store = this.part("store");
      const version = ref ?? (await store.head());
      const file = await store.readFile(version, path);
      if (!file) throw new NotFoundError(`${path} does not exist in version ${version}.`, { path, version });
      return { bytes: file.bytes, hash: file.hash };
    });
  }

  /** `to` defaults to head, `from` to the parent of `to` (the head when `to` is the draft). */
  diff(options: { from?: VersionRef; to?: VersionRef; format: "git" | "json" }): Promise<Outcome<string | DiffResult>> {
    return this.guarded(async () => {
      const store = this.part("store");
      const head = await store.head();
      const to = options.to ?? head;
      const from = options.from ?? (to === "draft" ? head : ((await store.version(to)).parent ?? 0));
      const files = await diffTrees(store, from, to);
      if (options.format === "git") return formatGitPatch(files);
      return { from, to, files: files.map(toJsonFile) };
    });
  }

  getSettings(): Promise<Outcome<PublicSettings>> {
    return this.guarded(async () => this.part("settings").view());
  }

  /** `own` names the server's own hosts, which no app may be allowed to reach. */
  putSettings(policy: EgressPolicy, own: OwnHosts): Promise<Outcome<PublicSettings>> {
    return this.guarded(async () => this.part("settings").replace(policy, own));
  }

  logs(options: { after?: number; version?: string }): Promise<Outcome<{ entries: LogEntry[]; cursor: string }>> {
    return this.guarded(async () => this.part("logs").list(options));
  }

  /**
   * Starts an agent turn on the draft (turn_in_progress while one runs);
   * its steps then run from this object's alarm. `previewUrl` is the draft's
   * preview as the caller reaches it.
   */
  startTurn(message: string, options: { previewUrl: string; budgets?: Partial<TurnBudgets> }): Promise<Outcome<TurnInfo>> {
    return this.guarded(async () => {
      const turn = await this.part("turns").start(message, options);
      await this.part("timers").set("turn-step", Date.now());
      return turn;
    });
  }

  /** Turns, newest first; or one. */
  turns(): Promise<Outcome<TurnInfo[]>> {
    return this.guarded(async () => this.part("turns").log.list());
  }

  turn(id: string): Promise<Outcome<TurnInfo>> {
    return this.guarded(async () => this.part("turns").log.get(id));
  }

  /** The turn's events after `after`, waiting up to `waitMs` for one while it runs. */
  turnEvents(id: string, after: number, waitMs: number): Promise<Outcome<{ events: TurnEvent[]; running: boolean }>> {
    return this.guarded(async () => {
      const log = this.part("turns").log;
      const events = await log.waitForEvents(id, after, waitMs);
      return { events, running: log.get(id).status === "running" };
    });
  }

  /** Asks a running turn to stop at its next safe point; it still commits what it did. */
  cancelTurn(id: string): Promise<Outcome<TurnInfo>> {
    return this.guarded(async () => {
      const log = this.part("turns").log;
      log.requestCancel(id);
      // Whatever happened to its alarm, the loop gets to see the request.
      if (log.get(id).status === "running") await this.part("timers").set("turn-step", Date.now());
      return log.get(id);
    });
  }

  /** The conversation across turns, with each tool call's recorded outcome. */
  conversation(): Promise<Outcome<ConversationView>> {
    return this.guarded(async () => this.part("turns").view());
  }

  // The sandbox's entrypoints (entrypoints.ts) call these for the app.

  egressPolicy(): EgressPolicy {
    return this.part("settings").policy();
  }

  // `testRun` selects a test run's own KV instead of the previews' data.

  kvGet(key: string, type: KvValueType, testRun?: string) {
    return this.kv(testRun).get(key, type);
  }

  kvPut(
    key: string,
    value: string | ArrayBuffer,
    options?: { expiration?: number; expirationTtl?: number; metadata?: unknown },
    testRun?: string,
  ): void {
    this.kv(testRun).put(key, value, options);
  }

  kvDelete(key: string, testRun?: string): void {
    this.kv(testRun).delete(key);
  }

  kvList(options?: { prefix?: string; limit?: number; cursor?: string }, testRun?: string) {
    return this.kv(testRun).list(options);
  }

  /** The previews' data of the app by binding: KV keys, D1 tables (GET /data). */
  data() {
    return this.guarded(() => this.part("data").overview());
  }

  dataKv(options: { prefix?: string; cursor?: string; limit?: number }) {
    return this.guarded(async () => this.part("data").kvKeys(options));
  }

  dataTable(binding: string, table: string, page: { offset?: number; limit?: number }) {
    return this.guarded(() => this.part("data").table(binding, table, page));
  }

  /** A test run's sandbox opened one of its D1 databases: dropped when the run ends. */
  testDatabaseUsed(testRun: string, binding: string): void {
    this.parts?.tests.databaseUsed(testRun, binding);
  }

  /** A test run's sandbox starts a test (so a run stopped mid-test can say which). */
  testStarted(testRun: string, test: TestStart): void {
    this.parts?.tests.started(testRun, test);
  }

  /** Logs of a deleted project are dropped. */
  appendLogs(entries: NewLogEntry[]): void {
    this.parts?.logs.append(entries);
  }

  /**
   * Brings the project list (a copy in D1) back in line with this object:
   * the alarm is set before every new version, so a crash between the
   * version and the list update is repaired when it fires, even after a
   * restart. It also lists a project whose creation never reached the list.
   */
  override async alarm(): Promise<void> {
    const row = this.projectRow();
    const parts = this.parts;
    if (!row || !parts) return;
    const alive = () => this.parts === parts;
    await parts.timers.run(
      {
        "list-repair": async () => {
          const listing = { id: row.id, name: row.name, head: await parts.store.head(), createdAt: row.created_at };
          return new ProjectIndex(this.env.PROJECT_INDEX).repairOrRetry(listing);
        },
        // One step per alarm, recorded before the next is scheduled; a step cut short stays due.
        "turn-step": async () => {
          const turn = parts.turns.log.running();
          const more = turn ? await this.runTurnStep(turn.id).catch((error: unknown) => (alive() ? Promise.reject(error) : false)) : false;
          // A turn that ended may have made a version: the project list learns it now.
          if (!more && alive()) await parts.timers.set("list-repair", Date.now());
          return more ? Date.now() : null;
        },
      },
      alive,
    );
  }

  /**
   * Runs the next step of a running turn and says whether it still runs.
   * The agent loop (agent/) overrides this; without it a turn cannot run.
   */
  protected async runTurnStep(turnId: string): Promise<boolean> {
    await this.part("turns").finish(turnId, { status: "failed", error: "This server was built without the agent loop." });
    return false;
  }

  private async scheduleListRepair(): Promise<void> {
    await this.part("timers").set("list-repair", Date.now() + LIST_REPAIR_DELAY_MS);
  }

  private refuseDuringTurn(): void {
    const running = this.part("turns").log.running();
    if (running) {
      throw new ProjectError(
        "turn_in_progress",
        `An agent turn (${running.id}) is editing the project; commit after it ends or cancel it.`,
        { turnId: running.id },
      );
    }
  }

  /**
   * Runs a request's work. A project deleted while it ran (a build or a test
   * run awaiting the registry when DELETE arrived) answers not_found, as any
   * deleted project does, whatever its work then failed with.
   */
  private guarded<T>(task: () => Promise<T>): Promise<Outcome<T>> {
    const parts = this.parts;
    return captureWhileExists(
      task,
      () => !parts || this.parts === parts,
      () => this.missing(),
    );
  }

  private attach(projectId: string, store: SqlStore): void {
    this.parts = createParts(this.ctx.storage, this.env, projectId, store);
  }

  private kv(testRun: string | undefined): AppKvStore {
    return testRun === undefined ? this.part("kv") : this.part("tests").kv(testRun);
  }

  protected part<K extends keyof Parts>(name: K): Parts[K] {
    if (!this.parts) throw this.missing();
    return this.parts[name];
  }

  /** Copies a new head into the list after the commit is answered (a listing may lag by ms; the list-repair timer mends a lost write). */
  private published(result: CommitResult): CommitResult {
    if (result.created) {
      const id = this.projectRow()!.id;
      this.ctx.waitUntil(
        new ProjectIndex(this.env.PROJECT_INDEX)
          .setHead(id, result.version)
          .catch((error: unknown) => console.error(`Could not update the listed head of ${id}:`, error)),
      );
    }
    return result;
  }

  private projectRow(): { id: string; name: string; created_at: number } | undefined {
    const exists = this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'project'").toArray().length;
    if (!exists) return undefined;
    return this.ctx.storage.sql.exec<{ id: string; name: string; created_at: number }>("SELECT * FROM project").toArray()[0];
  }

  private missing(): NotFoundError {
    return new NotFoundError("Project not found.");
  }
}
