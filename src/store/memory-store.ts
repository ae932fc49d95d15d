import { NotFoundError } from "./store-errors";
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
import { applyChanges, changedPaths, checkManifest, manifestDelta, treeHash } from "./tree";

/**
 * A ProjectStore in memory, with the same rules as the SQLite one (both plan
 * through `plan.ts`). For tests of the stages above the store, and for tools
 * that need a throwaway project.
 */
export class MemoryStore implements ProjectStore {
  private readonly history: { info: VersionInfo; manifest: Manifest }[] = [];
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly snapshots = new Map<string, Manifest>();
  private draft: Manifest = new Map();

  constructor(private readonly limits: StoreLimits) {}

  async head(): Promise<number> {
    return this.history.length;
  }

  async commit(request: CommitRequest): Promise<CommitResult> {
    const state = this.headState();
    return this.record(state, planCommit(state, request, this.limits), request.message ?? "", request.author);
  }

  async restore(request: { version: number; base?: number; author: Author }): Promise<CommitResult> {
    const state = this.headState();
    const target = this.entry(request.version);
    const plan = planRestore(state, { tree: target.info.tree, manifest: target.manifest }, request.base);
    return this.record(state, plan, `Restore version ${request.version}`, request.author);
  }

  async versions(): Promise<VersionInfo[]> {
    return this.history.map((entry) => entry.info).reverse();
  }

  async version(id: number): Promise<VersionInfo> {
    return this.entry(id).info;
  }

  async manifest(ref: VersionRef): Promise<Manifest> {
    return new Map(ref === "draft" ? this.draft : this.entry(ref).manifest);
  }

  async readFile(ref: VersionRef, path: string): Promise<FileContent | null> {
    const entry = (await this.manifest(ref)).get(path);
    return entry ? { ...entry, bytes: this.blobs.get(entry.hash)! } : null;
  }

  async delta(from: VersionRef, to: VersionRef): Promise<TreeDelta> {
    return manifestDelta(await this.manifest(from), await this.manifest(to));
  }

  async editDraft(changes: Change[], alongside?: (changed: string[]) => void): Promise<string[]> {
    const { manifest, blobs } = applyChanges(this.draft, changes, this.limits);
    const changed = changedPaths(manifestDelta(this.draft, manifest));
    alongside?.(changed);
    for (const [hash, bytes] of blobs) this.blobs.set(hash, bytes);
    this.draft = manifest;
    return changed;
  }

  async commitDraft(
    request: { base: number; message: string; author: Author },
    alongside?: (version: number) => void,
  ): Promise<CommitResult> {
    const state = this.headState();
    checkManifest(this.draft, this.limits);
    const plan = planDraft(state, { manifest: new Map(this.draft), blobs: new Map() }, request.base);
    if (plan) alongside?.(state.head + 1);
    return this.record(state, plan, request.message, request.author);
  }

  async snapshotDraft(): Promise<string> {
    const tree = treeHash(this.draft);
    this.snapshots.set(tree, new Map(this.draft));
    return tree;
  }

  async restoreDraft(tree: string, alongside?: () => void): Promise<void> {
    const manifest = this.snapshots.get(tree) ?? this.history.find((entry) => entry.info.tree === tree)?.manifest;
    if (!manifest) throw new NotFoundError(`No tree ${tree} to restore the draft to.`, { tree });
    alongside?.();
    this.draft = new Map(manifest);
  }

  async releaseSnapshot(tree: string): Promise<void> {
    this.snapshots.delete(tree);
  }

  async checkDraft(): Promise<void> {
    checkManifest(this.draft, this.limits);
  }

  private record(state: HeadState, plan: VersionPlan | null, message: string, author: Author): CommitResult {
    if (!plan) {
      const parent = state.head > 0 ? this.entry(state.head).info.parent : null;
      return { version: state.head, parent, tree: state.tree, changed: [], created: false };
    }
    for (const [hash, bytes] of plan.blobs) this.blobs.set(hash, bytes);
    const version = state.head + 1;
    const info: VersionInfo = {
      id: version,
      parent: plan.parent,
      message,
      author,
      createdAt: new Date().toISOString(),
      tree: plan.tree,
      stats: plan.stats,
    };
    this.history.push({ info, manifest: plan.manifest });
    this.draft = new Map(plan.manifest);
    return { version, parent: plan.parent, tree: plan.tree, changed: plan.changed, created: true };
  }

  private headState(): HeadState {
    const last = this.history.at(-1);
    return last ? { head: last.info.id, tree: last.info.tree, manifest: last.manifest } : { head: 0, tree: "", manifest: new Map() };
  }

  private entry(id: number): { info: VersionInfo; manifest: Manifest } {
    const entry = Number.isInteger(id) && id >= 1 ? this.history[id - 1] : undefined;
    if (!entry) throw new NotFoundError(`Version ${id} does not exist.`, { version: id });
    return entry;
  }
}
