import { hashBytes } from "./content";
import { MissingPathError, StoreError, TooLargeError } from "./store-errors";
import type { Change, ChangeStats, Manifest, StoreLimits, TreeDelta } from "./interface";
import { validatePath } from "./paths";

/** Path order used everywhere (listings, tree hashes, diffs). */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortedPaths(manifest: Manifest): string[] {
  return [...manifest.keys()].sort(comparePaths);
}

/** Content hash of a whole file set: equal file sets have equal hashes. */
export function treeHash(manifest: Manifest): string {
  const lines = sortedPaths(manifest).map((path) => `${path}\0${manifest.get(path)!.hash}\n`);
  return hashBytes(new TextEncoder().encode(lines.join("")));
}

export interface AppliedChanges {
  manifest: Manifest;
  /** New blobs by hash, to be stored with the version. */
  blobs: Map<string, Uint8Array>;
}

/**
 * Applies changes in order to a copy of `base`, validating everything a
 * commit must refuse. Pure: throws a StoreError and touches nothing else.
 * `delete` and `move` accept a file or a directory (every file below it).
 */
export function applyChanges(base: Manifest, changes: Change[], limits: StoreLimits): AppliedChanges {
  const manifest: Manifest = new Map(base);
  const blobs = new Map<string, Uint8Array>();
  for (const change of changes) {
    switch (change.op) {
      case "put": {
        const path = validatePath(change.path);
        if (change.content.byteLength > limits.maxFileBytes) {
          throw new TooLargeError(`${path} is ${change.content.byteLength} bytes; the limit is ${limits.maxFileBytes} bytes per file.`, {
            path,
            limit: limits.maxFileBytes,
          });
        }
        const hash = hashBytes(change.content);
        blobs.set(hash, change.content);
        manifest.set(path, { hash, size: change.content.byteLength });
        break;
      }
      case "delete": {
        for (const path of matching(manifest, validatePath(change.path))) manifest.delete(path);
        break;
      }
      case "move": {
        const from = validatePath(change.from);
        const to = validatePath(change.to);
        if (from === to) break;
        if (to.startsWith(`${from}/`)) {
          throw new StoreError("path_conflict", `Cannot move ${from} into itself (${to}).`, { from, to });
        }
        const sources = matching(manifest, from);
        const moved = sources.map((path) => [path, to + path.slice(from.length)] as const);
        for (const [, target] of moved) {
          if (manifest.has(target) && !sources.includes(target)) {
            throw new StoreError("path_conflict", `Cannot move ${from} to ${to}: ${target} already exists.`, {
              path: target,
            });
          }
        }
        const entries = moved.map(([source, target]) => [target, manifest.get(source)!] as const);
        for (const source of sources) manifest.delete(source);
        for (const [target, entry] of entries) manifest.set(target, entry);
        break;
      }
    }
  }
  checkFileDirectoryClashes(manifest);
  checkTotals(manifest, limits);
  // A put that a later change overwrote or deleted leaves no blob behind.
  const referenced = new Set([...manifest.values()].map((entry) => entry.hash));
  for (const hash of blobs.keys()) if (!referenced.has(hash)) blobs.delete(hash);
  return { manifest, blobs };
}

/** Checks a whole file set against the rules of applyChanges (for files written some other way). */
export function checkManifest(manifest: Manifest, limits: StoreLimits): void {
  for (const [path, entry] of manifest) {
    validatePath(path);
    if (entry.size > limits.maxFileBytes) {
      throw new TooLargeError(`${path} is ${entry.size} bytes; the limit is ${limits.maxFileBytes} bytes per file.`, {
        path,
        limit: limits.maxFileBytes,
      });
    }
  }
  checkFileDirectoryClashes(manifest);
  checkTotals(manifest, limits);
}

/** The file itself, or every file below it as a directory; NotFoundError if neither. */
function matching(manifest: Manifest, path: string): string[] {
  if (manifest.has(path)) return [path];
  const prefix = `${path}/`;
  const below = [...manifest.keys()].filter((candidate) => candidate.startsWith(prefix));
  if (below.length === 0) {
    throw new MissingPathError(path);
  }
  return below;
}

function checkFileDirectoryClashes(manifest: Manifest): void {
  for (const path of manifest.keys()) {
    let slash = path.indexOf("/");
    while (slash !== -1) {
      const directory = path.slice(0, slash);
      if (manifest.has(directory)) {
        throw new StoreError(
          "path_conflict",
          `${directory} cannot be both a file and a directory (it holds ${path}); delete or move one of them.`,
          { path: directory },
        );
      }
      slash = path.indexOf("/", slash + 1);
    }
  }
}

function checkTotals(manifest: Manifest, limits: StoreLimits): void {
  if (manifest.size > limits.maxFiles) {
    throw new TooLargeError(`The version would have ${manifest.size} files; the limit is ${limits.maxFiles}.`, {
      limit: limits.maxFiles,
    });
  }
  let bytes = 0;
  for (const entry of manifest.values()) bytes += entry.size;
  if (bytes > limits.maxVersionBytes) {
    throw new TooLargeError(`The version would hold ${bytes} bytes; the limit is ${limits.maxVersionBytes} bytes.`, {
      limit: limits.maxVersionBytes,
    });
  }
}

/** Paths that differ between two manifests. */
export function manifestDelta(from: Manifest, to: Manifest): TreeDelta {
  const delta: TreeDelta = { added: new Map(), deleted: new Map(), modified: new Map() };
  for (const [path, entry] of to) {
    const old = from.get(path);
    if (!old) delta.added.set(path, entry);
    else if (old.hash !== entry.hash) delta.modified.set(path, [old, entry]);
  }
  for (const [path, entry] of from) if (!to.has(path)) delta.deleted.set(path, entry);
  return delta;
}

export function deltaStats(delta: TreeDelta): ChangeStats {
  return { added: delta.added.size, modified: delta.modified.size, deleted: delta.deleted.size };
}

/** Sorted paths whose content differs. */
export function changedPaths(delta: TreeDelta): string[] {
  return [...delta.added.keys(), ...delta.modified.keys(), ...delta.deleted.keys()].sort(comparePaths);
}
