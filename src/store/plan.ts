import { ConflictError } from "./store-errors";
import type { ChangeStats, CommitRequest, Manifest, StoreLimits } from "./interface";
import { applyChanges, changedPaths, deltaStats, manifestDelta, treeHash } from "./tree";

/** The head a commit or restore starts from; `head` is 0 before version 1. */
export interface HeadState {
  head: number;
  tree: string;
  manifest: Manifest;
}

/** Everything a store must write to record one new version. */
export interface VersionPlan {
  parent: number | null;
  tree: string;
  manifest: Manifest;
  /** Blobs the new tree may reference that the store might not hold yet. */
  blobs: Map<string, Uint8Array>;
  changed: string[];
  stats: ChangeStats;
}

/**
 * Decides what a commit records, or null when it changes nothing. Pure and
 * shared by every store implementation, so they refuse the same inputs.
 */
export function planCommit(state: HeadState, request: CommitRequest, limits: StoreLimits): VersionPlan | null {
  if (request.base !== state.head) throw new ConflictError(request.base, state.head);
  const { manifest, blobs } = applyChanges(state.manifest, request.changes, limits);
  return plan(state, treeHash(manifest), manifest, blobs);
}

/** Decides what restoring a tree records, or null when head already has it. */
export function planRestore(state: HeadState, target: { tree: string; manifest: Manifest }, base: number | undefined): VersionPlan | null {
  if (base !== undefined && base !== state.head) throw new ConflictError(base, state.head);
  return plan(state, target.tree, target.manifest, new Map());
}

/** Decides what recording an already validated tree (the draft) records, or null when head has it. */
export function planDraft(
  state: HeadState,
  draft: { manifest: Manifest; blobs: Map<string, Uint8Array> },
  base: number,
): VersionPlan | null {
  if (base !== state.head) throw new ConflictError(base, state.head);
  return plan(state, treeHash(draft.manifest), draft.manifest, draft.blobs);
}

function plan(state: HeadState, tree: string, manifest: Manifest, blobs: Map<string, Uint8Array>): VersionPlan | null {
  // The first version is always recorded, even when it is empty.
  if (state.head > 0 && tree === state.tree) return null;
  const delta = manifestDelta(state.manifest, manifest);
  return {
    parent: state.head > 0 ? state.head : null,
    tree,
    manifest,
    blobs,
    changed: changedPaths(delta),
    stats: deltaStats(delta),
  };
}
