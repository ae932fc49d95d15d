import { Workspace, type WorkspaceChangeEvent } from "@cloudflare/shell";
import { hashBytes, utf8OrNull } from "./content";
import { NotFoundError, StoreError } from "./store-errors";
import { contentType } from "./mime";
import type {
  Author,
  Change,
  CommitRequest,
  CommitResult,
  FileContent,
  Manifest,
  ProjectStore,
  StoreLimits,
  TreeDelta,
  VersionInfo,
  VersionRef,
} from "./interface";
import { planCommit, planDraft, planRestore, type HeadState, type VersionPlan } from "./plan";
import { SCHEMA, toVersionInfo, type VersionRow } from "./sql-schema";
import { applyChanges, changedPaths, checkManifest, manifestDelta, treeHash } from "./tree";

/**
 * The store on a Durable Object's SQLite database: history in our own tables
 * (manifests are keyed by tree hash, so equal trees share rows) and the draft
 * in a `@cloudflare/shell` Workspace. Paths the draft changed since the last
 * version are tracked in `draft_dirty`, written in the same SQLite
 * transaction as the Workspace write that caused it, so the draft's manifest
 * costs O(head + dirty), never a rehash of every file.
 */
export class SqlStore implements ProjectStore {
  /** The working tree, for tools that edit the draft. */
  readonly workspace: Workspace;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly storage: DurableObjectStorage,
    private readonly limits: StoreLimits,
  ) {
    this.workspace = new Workspace({
      sql: storage.sql,
      namespace: "draft",
      onChange: (event) => this.onDraftChange(event),
    });
  }

  /**
   * Creates the tables if needed. Call outside any transaction: a Workspace
   * whose first call happens in a transaction that rolls back stays broken.
   */
  static async open(storage: DurableObjectStorage, limits: StoreLimits): Promise<SqlStore> {
    storage.sql.exec(SCHEMA);
    const store = new SqlStore(storage, limits);
    await store.workspace.exists("/");
    return store;
  }

  async head(): Promise<number> {
    return this.headRow()?.id ?? 0;
  }

  commit(request: CommitRequest): Promise<CommitResult> {
    return this.exclusive(() => {
      const state = this.headState();
      const plan = planCommit(state, request, this.limits);
      return this.record(state, plan, request.message ?? "", request.author);
    });
  }

  restore(request: { version: number; base?: number; author: Author }): Promise<CommitResult> {
    return this.exclusive(() => {
      const state = this.headState();
      const target = this.versionRow(request.version);
      const plan = planRestore(state, { tree: target.tree, manifest: this.treeManifest(target.tree) }, request.base);
      return this.record(state, plan, `Restore version ${request.version}`, request.author);
    });
  }

  async versions(): Promise<VersionInfo[]> {
    return this.sql<VersionRow>("SELECT * FROM versions ORDER BY id DESC").map(toVersionInfo);
  }

  async version(id: number): Promise<VersionInfo> {
    return toVersionInfo(this.versionRow(id));
  }

  async manifest(ref: VersionRef): Promise<Manifest> {
    if (ref !== "draft") return this.treeManifest(this.versionRow(ref).tree);
    const manifest = this.treeManifest(this.headRow()?.tree ?? "");
    for (const { path } of this.sql<{ path: string }>("SELECT path FROM draft_dirty")) {
      const file = await this.readDraft(path);
      if (file) manifest.set(path, { hash: file.hash, size: file.size });
      else manifest.delete(path);
    }
    return manifest;
  }

  async readFile(ref: VersionRef, path: string): Promise<FileContent | null> {
    if (ref === "draft") return this.readDraft(path);
    const tree = this.versionRow(ref).tree;
    const row = this.sql<{ hash: string; size: number }>("SELECT hash, size FROM tree_files WHERE tree = ? AND path = ?", tree, path)[0];
    if (!row) return null;
    return { ...row, bytes: await this.readBlob(row.hash) };
  }

  private async readBlob(hash: string): Promise<Uint8Array> {
    const row = this.sql<{ data: ArrayBuffer }>("SELECT data FROM blobs WHERE hash = ?", hash)[0];
    if (!row) throw new NotFoundError(`No blob ${hash}.`, { hash });
    return new Uint8Array(row.data);
  }

  async delta(from: VersionRef, to: VersionRef): Promise<TreeDelta> {
    if (from === "draft" || to === "draft") {
      return manifestDelta(await this.manifest(from), await this.manifest(to));
    }
    const [fromTree, toTree] = [this.versionRow(from).tree, this.versionRow(to).tree];
    // Entries of one tree with no identical (path, hash) in the other: an
    // index probe each, and no content is read.
    const onlyIn = (tree: string, other: string): Manifest =>
      new Map(
        this.sql<{ path: string; hash: string; size: number }>(
          `SELECT a.path, a.hash, a.size FROM tree_files a
           WHERE a.tree = ? AND NOT EXISTS (
             SELECT 1 FROM tree_files b WHERE b.tree = ? AND b.path = a.path AND b.hash = a.hash)`,
          tree,
          other,
        ).map(({ path, hash, size }) => [path, { hash, size }]),
      );
    return manifestDelta(onlyIn(fromTree, toTree), onlyIn(toTree, fromTree));
  }

  editDraft(changes: Change[], alongside?: (changed: string[]) => void): Promise<string[]> {
    return this.exclusive(async () => {
      const base = await this.manifest("draft");
      const { manifest, blobs } = applyChanges(base, changes, this.limits);
      const delta = manifestDelta(base, manifest);
      const changed = changedPaths(delta);
      // A moved file's bytes are not in `blobs`: read them from where they are now.
      const written = new Map<string, Uint8Array>();
      for (const [path, entry] of [...delta.added, ...[...delta.modified].map(([p, [, to]]) => [p, to] as const)]) {
        written.set(path, blobs.get(entry.hash) ?? (await this.draftBytesOf(base, entry.hash)));
      }
      await this.storage.transaction(async () => {
        for (const path of delta.deleted.keys()) {
          await this.workspace.rm(`/${path}`, { force: true });
          await this.removeEmptyParents(path);
        }
        for (const [path, bytes] of written) await this.writeDraftFile(path, bytes);
        alongside?.(changed);
      });
      return changed;
    });
  }

  commitDraft(request: { base: number; message: string; author: Author }, alongside?: (version: number) => void): Promise<CommitResult> {
    return this.exclusive(async () => {
      const state = this.headState();
      const manifest = await this.manifest("draft");
      checkManifest(manifest, this.limits);
      const plan = planDraft(state, { manifest, blobs: await this.dirtyBlobs() }, request.base);
      return this.record(state, plan, request.message, request.author, alongside);
    });
  }

  snapshotDraft(): Promise<string> {
    return this.exclusive(async () => {
      const manifest = await this.manifest("draft");
      const tree = treeHash(manifest);
      const blobs = await this.dirtyBlobs();
      await this.storage.transaction(async () => this.storeTree(tree, manifest, blobs));
      return tree;
    });
  }

  restoreDraft(tree: string, alongside?: () => void): Promise<void> {
    return this.exclusive(async () => {
      const target = this.treeManifest(tree);
      if (target.size === 0 && tree !== treeHash(target)) throw new NotFoundError(`No tree ${tree} to restore the draft to.`, { tree });
      const delta = manifestDelta(await this.manifest("draft"), target);
      const written = new Map<string, Uint8Array>();
      for (const [path, entry] of [...delta.added, ...[...delta.modified].map(([p, [, to]]) => [p, to] as const)]) {
        written.set(path, await this.readBlob(entry.hash));
      }
      await this.storage.transaction(async () => {
        for (const path of delta.deleted.keys()) {
          await this.workspace.rm(`/${path}`, { force: true });
          await this.removeEmptyParents(path);
        }
        for (const [path, bytes] of written) await this.writeDraftFile(path, bytes);
        alongside?.();
      });
    });
  }

  releaseSnapshot(tree: string): Promise<void> {
    return this.exclusive(async () => {
      this.storage.sql.exec("DELETE FROM tree_files WHERE tree = ? AND NOT EXISTS (SELECT 1 FROM versions WHERE tree = ?)", tree, tree);
    });
  }

  async checkDraft(): Promise<void> {
    checkManifest(await this.manifest("draft"), this.limits);
    // A link would be committed as a copy of its target while the Workspace kept the link.
    for (const { path } of this.sql<{ path: string }>("SELECT path FROM draft_dirty")) {
      if ((await this.workspace.lstat(`/${path}`))?.type === "symlink") {
        throw new StoreError("invalid_content", `${path} is a symbolic link; projects hold plain files only.`, { path });
      }
    }
  }

  /** The contents of the draft's changed files, by hash. */
  private async dirtyBlobs(): Promise<Map<string, Uint8Array>> {
    const blobs = new Map<string, Uint8Array>();
    for (const { path } of this.sql<{ path: string }>("SELECT path FROM draft_dirty")) {
      const file = await this.readDraft(path);
      if (file) blobs.set(file.hash, file.bytes);
    }
    return blobs;
  }

  /** Stores blobs and, unless known, a tree's listing (synchronous SQL: call inside a transaction). */
  private storeTree(tree: string, manifest: Manifest, blobs: Map<string, Uint8Array>): void {
    for (const [hash, bytes] of blobs) {
      this.storage.sql.exec("INSERT OR IGNORE INTO blobs (hash, size, data) VALUES (?, ?, ?)", hash, bytes.byteLength, bytes);
    }
    if (this.sql("SELECT 1 FROM tree_files WHERE tree = ? LIMIT 1", tree).length > 0) return;
    for (const [path, entry] of manifest) {
      this.storage.sql.exec("INSERT INTO tree_files (tree, path, hash, size) VALUES (?, ?, ?, ?)", tree, path, entry.hash, entry.size);
    }
  }

  /** The bytes of a draft file with this hash. */
  private async draftBytesOf(manifest: Manifest, hash: string): Promise<Uint8Array> {
    for (const [path, entry] of manifest) {
      if (entry.hash === hash) return (await this.readDraft(path))!.bytes;
    }
    return this.readBlob(hash);
  }

  /** Runs commits and restores one at a time, so each sees the head the last one left. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Writes a planned version and brings the draft to it, in one transaction. */
  private async record(
    state: HeadState,
    plan: VersionPlan | null,
    message: string,
    author: Author,
    alongside?: (version: number) => void,
  ): Promise<CommitResult> {
    if (!plan) {
      const parent = state.head > 0 ? this.versionRow(state.head).parent : null;
      return { version: state.head, parent, tree: state.tree, changed: [], created: false };
    }
    const version = state.head + 1;
    await this.storage.transaction(async () => {
      this.storeTree(plan.tree, plan.manifest, plan.blobs);
      this.storage.sql.exec(
        `INSERT INTO versions (id, parent, tree, message, author, created_at, added, modified, deleted)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        version,
        plan.parent,
        plan.tree,
        message,
        author,
        Date.now(),
        plan.stats.added,
        plan.stats.modified,
        plan.stats.deleted,
      );
      await this.syncDraft(plan);
      alongside?.(version);
    });
    return { version, parent: plan.parent, tree: plan.tree, changed: plan.changed, created: true };
  }

  /** Makes the Workspace equal the new version: rewrites what the version or the draft changed. */
  private async syncDraft(plan: VersionPlan): Promise<void> {
    const dirty = this.sql<{ path: string }>("SELECT path FROM draft_dirty").map((row) => row.path);
    for (const path of new Set([...plan.changed, ...dirty])) {
      const entry = plan.manifest.get(path);
      if (!entry) {
        await this.workspace.rm(`/${path}`, { force: true });
        await this.removeEmptyParents(path);
        continue;
      }
      const current = dirty.includes(path) ? await this.readDraft(path) : null;
      if (current?.hash === entry.hash) continue; // the draft already holds it (a commit of the draft)
      await this.writeDraftFile(path, plan.blobs.get(entry.hash) ?? (await this.readBlob(entry.hash)));
    }
    this.storage.sql.exec("DELETE FROM draft_dirty");
  }

  /** Text files are stored as text (the tools read them so), anything else as bytes. */
  private async writeDraftFile(path: string, bytes: Uint8Array): Promise<void> {
    const text = utf8OrNull(bytes);
    const mime = contentType(path, text === null ? "application/octet-stream" : "text/plain");
    if (text !== null) await this.workspace.writeFile(`/${path}`, text, mime);
    else await this.workspace.writeFileBytes(`/${path}`, bytes, mime);
  }

  /** Directories exist only through their files, as in git: drop the ones a delete emptied. */
  private async removeEmptyParents(path: string): Promise<void> {
    for (let dir = path.slice(0, path.lastIndexOf("/")); dir !== ""; dir = dir.slice(0, Math.max(dir.lastIndexOf("/"), 0))) {
      if ((await this.workspace.readDir(`/${dir}`, { limit: 1 })).length > 0) return;
      await this.workspace.rm(`/${dir}`, { force: true });
    }
  }

  private onDraftChange(event: WorkspaceChangeEvent): void {
    if (event.entryType === "directory") return;
    this.storage.sql.exec("INSERT OR IGNORE INTO draft_dirty (path) VALUES (?)", event.path.replace(/^\//, ""));
  }

  private async readDraft(path: string): Promise<FileContent | null> {
    const stat = await this.workspace.stat(`/${path}`);
    if (stat?.type !== "file") return null;
    const bytes = (await this.workspace.readFileBytes(`/${path}`))!;
    return { bytes, hash: hashBytes(bytes), size: bytes.byteLength };
  }

  private headRow(): { id: number; tree: string } | undefined {
    return this.sql<{ id: number; tree: string }>("SELECT id, tree FROM versions ORDER BY id DESC LIMIT 1")[0];
  }

  private headState(): HeadState {
    const row = this.headRow();
    if (!row) return { head: 0, tree: "", manifest: new Map() };
    return { head: row.id, tree: row.tree, manifest: this.treeManifest(row.tree) };
  }

  private versionRow(id: number): VersionRow {
    const row = this.sql<VersionRow>("SELECT * FROM versions WHERE id = ?", id)[0];
    if (!row) throw new NotFoundError(`Version ${id} does not exist.`, { version: id });
    return row;
  }

  private treeManifest(tree: string): Manifest {
    return new Map(
      this.sql<{ path: string; hash: string; size: number }>("SELECT path, hash, size FROM tree_files WHERE tree = ?", tree).map(
        ({ path, hash, size }) => [path, { hash, size }],
      ),
    );
  }

  private sql<T extends Record<string, SqlStorageValue>>(query: string, ...params: SqlStorageValue[]): T[] {
    return this.storage.sql.exec<T>(query, ...params).toArray();
  }
}
