/**
 * The project store: a working tree (the draft) plus an immutable,
 * content-addressed history of versions. The build and agent stages use
 * this interface and never the Durable Object behind it.
 */

export type Author = "user" | "agent";

/** A version number (1, 2, 3 …) or the agent's working tree. */
export type VersionRef = number | "draft";

/** One file of a tree: its content hash (SHA-256 hex) and size in bytes. */
export interface FileEntry {
  hash: string;
  size: number;
}

/** A whole file set, path → entry. */
export type Manifest = Map<string, FileEntry>;

export type Change =
  | { op: "put"; path: string; content: Uint8Array }
  | { op: "delete"; path: string }
  | { op: "move"; from: string; to: string };

export interface ChangeStats {
  added: number;
  modified: number;
  deleted: number;
}

export interface VersionInfo {
  id: number;
  parent: number | null;
  message: string;
  author: Author;
  /** ISO 8601. */
  createdAt: string;
  /** Content hash of the whole file set: equal trees have equal `tree`. */
  tree: string;
  stats: ChangeStats;
}

export interface CommitRequest {
  /** Must equal the current head (optimistic concurrency). */
  base: number;
  message?: string;
  author: Author;
  changes: Change[];
}

export interface CommitResult {
  version: number;
  parent: number | null;
  tree: string;
  /** Paths whose content differs from the parent, sorted. Empty for a no-op. */
  changed: string[];
  /** False when the result equals the base tree and no version was made. */
  created: boolean;
}

/** Paths that differ between two trees, with the entries on each side. */
export interface TreeDelta {
  /** Present in `to` only. */
  added: Map<string, FileEntry>;
  /** Present in `from` only. */
  deleted: Map<string, FileEntry>;
  /** Present in both with different content: [from, to]. */
  modified: Map<string, [FileEntry, FileEntry]>;
}

export interface StoreLimits {
  maxFileBytes: number;
  maxFiles: number;
  maxVersionBytes: number;
}

export interface FileContent extends FileEntry {
  bytes: Uint8Array;
}

export interface ProjectStore {
  /** The newest version number. */
  head(): Promise<number>;

  /**
   * Applies `changes` in order to the head tree and records the result as one
   * new version, all or nothing; the draft then equals the new head.
   * Throws (and changes nothing): ConflictError when `base` is not the head;
   * InvalidPathError; StoreError `path_conflict` when a path would be both a
   * file and a directory, or a move targets an existing file; NotFoundError
   * when a delete or move names a missing path; TooLargeError over a limit.
   * A result equal to the base tree returns `{version: base, created: false}`.
   */
  commit(request: CommitRequest): Promise<CommitResult>;

  /**
   * Records a new version whose tree equals `version`'s (history is never
   * rewritten). Same errors as commit; NotFoundError for an unknown version.
   */
  restore(request: { version: number; base?: number; author: Author }): Promise<CommitResult>;

  /** All versions, newest first. */
  versions(): Promise<VersionInfo[]>;

  /** One version; throws NotFoundError if it does not exist. */
  version(id: number): Promise<VersionInfo>;

  /** The file set of a version or the draft; throws NotFoundError for an unknown version. */
  manifest(ref: VersionRef): Promise<Manifest>;

  /** One file of a version or the draft, or null if that tree has no such file. */
  readFile(ref: VersionRef, path: string): Promise<FileContent | null>;

  /**
   * What differs between two trees. Reads only entries, never content, and
   * costs little more than the number of differing paths.
   */
  delta(from: VersionRef, to: VersionRef): Promise<TreeDelta>;

  /**
   * Applies `changes` in order to the draft, all or nothing, refused for the
   * same reasons as a commit (paths, limits, clashes, missing paths).
   * `alongside` runs in the same storage transaction with the paths whose
   * content changed, so whatever it writes (the result of the tool call
   * that made the edit) lands with the edit or not at all. Returns those
   * paths, sorted.
   */
  editDraft(changes: Change[], alongside?: (changed: string[]) => void): Promise<string[]>;

  /**
   * Records the draft as one new version on top of `base`, which must be
   * the head (else ConflictError). A draft equal to the head records
   * nothing and returns `{version: base, created: false}`. `alongside` runs
   * in the version's storage transaction with the new version's number
   * (not called when nothing is recorded).
   */
  commitDraft(request: { base: number; message: string; author: Author }, alongside?: (version: number) => void): Promise<CommitResult>;

  /**
   * Keeps the draft's current tree (its files stored as blobs) so that
   * `restoreDraft` can bring it back, also after a restart; returns its hash.
   */
  snapshotDraft(): Promise<string>;

  /**
   * Makes the draft equal a tree kept by `snapshotDraft` (or a version's),
   * in one transaction with `alongside`. NotFoundError for an unknown tree.
   */
  restoreDraft(tree: string, alongside?: () => void): Promise<void>;

  /** Forgets a tree kept by `snapshotDraft` (unless a version has it). */
  releaseSnapshot(tree: string): Promise<void>;

  /**
   * Checks the draft against the rules a commit enforces (paths, limits,
   * file/directory clashes; no symbolic links), for edits made without
   * `editDraft`; throws the StoreError a commit would.
   */
  checkDraft(): Promise<void>;
}
