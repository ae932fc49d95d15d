import type { FileDiff } from "../diff";
import type { VersionRef } from "../store";

/** What the project's object answers over RPC, besides the parts' own types. */

export interface ProjectInfo {
  id: string;
  name: string;
  head: number;
  createdAt: string;
  /** The latest agent turn. */
  turn?: { id: string; status: string };
}

export interface FileListing {
  version: VersionRef;
  files: { path: string; size: number; hash: string }[];
}

export interface RawFile {
  bytes: Uint8Array;
  hash: string;
}

export interface DiffResult {
  from: VersionRef;
  to: VersionRef;
  files: Omit<FileDiff, "blobIds">[];
}
