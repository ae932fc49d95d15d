import { createHash } from "node:crypto";
import { structuredPatch } from "diff";
import { comparePaths, isBinary, manifestDelta, type FileEntry, type ProjectStore, type VersionRef } from "../store";

export type FileStatus = "added" | "modified" | "deleted" | "renamed";

/** A hunk in git's numbering: a start is 0 when its side has no lines. */
export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /**
   * Each line starts with ' ', '-' or '+', without its line feed (a CR of a
   * CRLF ending stays). `\ No newline at end of file` markers are kept here
   * and dropped from the JSON form.
   */
  lines: string[];
}

export interface FileDiff {
  path: string;
  /** Set for renames: the path in `from`. */
  oldPath?: string;
  status: FileStatus;
  binary: boolean;
  additions: number;
  deletions: number;
  hunks: Hunk[];
  /**
   * Git blob ids of both sides (all zeros for a missing side), for the patch's
   * `index` line: git's parser needs it to read binary sections correctly.
   * Absent for renames and dropped from the JSON form.
   */
  blobIds?: [string, string];
}

const NO_NEWLINE = "\\ No newline at end of file";

/** A line diff that takes longer than this falls back to replacing the whole file. */
const DIFF_TIMEOUT_MS = 2_000;

/**
 * The per-file differences between two trees, in path order; `from` 0 is the
 * empty tree before version 1. Reads content only for paths whose hashes
 * differ; a deleted and an added file with the same hash are an exact rename
 * and are not read at all.
 */
export async function diffTrees(store: ProjectStore, from: VersionRef | 0, to: VersionRef): Promise<FileDiff[]> {
  const delta = from === 0 ? manifestDelta(new Map(), await store.manifest(to)) : await store.delta(from, to);
  const renames = pairExactRenames(delta.deleted, delta.added);
  const files: Promise<FileDiff>[] = [];
  for (const [path, oldPath] of renames) {
    files.push(Promise.resolve({ path, oldPath, status: "renamed", binary: false, additions: 0, deletions: 0, hunks: [] }));
  }
  const read = async (ref: VersionRef, path: string) => (await store.readFile(ref, path))?.bytes;
  const compare = async (path: string, status: FileStatus, oldPath?: string, newPath?: string) =>
    compareContent(
      path,
      status,
      oldPath !== undefined && from !== 0 ? await read(from, oldPath) : undefined,
      newPath !== undefined ? await read(to, newPath) : undefined,
    );
  for (const path of delta.added.keys()) if (!renames.has(path)) files.push(compare(path, "added", undefined, path));
  for (const path of delta.modified.keys()) files.push(compare(path, "modified", path, path));
  const renamedFrom = new Set(renames.values());
  for (const path of delta.deleted.keys()) if (!renamedFrom.has(path)) files.push(compare(path, "deleted", path));
  return (await Promise.all(files)).sort((a, b) => comparePaths(a.path, b.path));
}

/** new path → old path, pairing deleted and added files of identical content in path order. */
function pairExactRenames(deleted: Map<string, FileEntry>, added: Map<string, FileEntry>): Map<string, string> {
  const byHash = new Map<string, string[]>();
  for (const path of [...deleted.keys()].sort(comparePaths)) {
    const hash = deleted.get(path)!.hash;
    byHash.set(hash, [...(byHash.get(hash) ?? []), path]);
  }
  const renames = new Map<string, string>();
  for (const path of [...added.keys()].sort(comparePaths)) {
    const oldPath = byHash.get(added.get(path)!.hash)?.shift();
    if (oldPath !== undefined) renames.set(path, oldPath);
  }
  return renames;
}

function compareContent(path: string, status: FileStatus, oldBytes?: Uint8Array, newBytes?: Uint8Array): FileDiff {
  const empty = new Uint8Array();
  const [before, after] = [oldBytes ?? empty, newBytes ?? empty];
  const blobIds: [string, string] = [gitBlobId(oldBytes), gitBlobId(newBytes)];
  if (isBinary(before) || isBinary(after)) {
    return { path, status, binary: true, additions: 0, deletions: 0, hunks: [], blobIds };
  }
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  const hunks = textHunks(decoder.decode(before), decoder.decode(after));
  const count = (sign: string) => hunks.reduce((sum, hunk) => sum + hunk.lines.filter((line) => line.startsWith(sign)).length, 0);
  return { path, status, binary: false, additions: count("+"), deletions: count("-"), hunks, blobIds };
}

/** Line hunks with 3 lines of context, in git's numbering. */
export function textHunks(oldText: string, newText: string, timeoutMs = DIFF_TIMEOUT_MS): Hunk[] {
  const patch = structuredPatch("", "", oldText, newText, "", "", { context: 3, timeout: timeoutMs }) ?? replaceAll(oldText, newText);
  return patch.hunks.map((hunk) => ({
    oldStart: hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart,
    oldLines: hunk.oldLines,
    newStart: hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart,
    newLines: hunk.newLines,
    lines: hunk.lines,
  }));
}

/**
 * One hunk that deletes every old line and adds every new one: a correct
 * (if unhelpful) patch for files whose line diff would take too long.
 */
function replaceAll(oldText: string, newText: string): { hunks: Hunk[] } {
  const side = (text: string, sign: string) => {
    if (text === "") return [];
    const lines = text.split("\n");
    const complete = lines.at(-1) === "";
    if (complete) lines.pop();
    const out = lines.map((line) => sign + line);
    return complete ? out : [...out, NO_NEWLINE];
  };
  const [removed, added] = [side(oldText, "-"), side(newText, "+")];
  const count = (lines: string[]) => lines.filter((line) => line !== NO_NEWLINE).length;
  // In jsdiff's numbering (a start is 1 even for an empty side); callers convert to git's.
  return { hunks: [{ oldStart: 1, oldLines: count(removed), newStart: 1, newLines: count(added), lines: [...removed, ...added] }] };
}

/** Git's object id of a blob: SHA-1 of "blob <size>\0" + content; zeros for no file. */
function gitBlobId(bytes: Uint8Array | undefined): string {
  if (!bytes) return "0".repeat(40);
  return createHash("sha1").update(`blob ${bytes.byteLength}\0`).update(bytes).digest("hex");
}

/** A file of the JSON form: no no-newline markers, no blob ids. */
export function toJsonFile(file: FileDiff): Omit<FileDiff, "blobIds"> {
  const { blobIds: _ids, ...rest } = file;
  return { ...rest, hunks: file.hunks.map((hunk) => ({ ...hunk, lines: hunk.lines.filter((line) => line !== NO_NEWLINE) })) };
}
