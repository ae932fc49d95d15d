import type { Author, VersionInfo } from "./interface";

/** The history tables of SqlStore (the draft lives in a Workspace beside them), and how a version row reads back. */

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS blobs (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    parent INTEGER,
    tree TEXT NOT NULL,
    message TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    added INTEGER NOT NULL,
    modified INTEGER NOT NULL,
    deleted INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS tree_files (
    tree TEXT NOT NULL,
    path TEXT NOT NULL,
    hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (tree, path)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS draft_dirty (path TEXT PRIMARY KEY) WITHOUT ROWID;
`;

export type VersionRow = {
  id: number;
  parent: number | null;
  tree: string;
  message: string;
  author: string;
  created_at: number;
  added: number;
  modified: number;
  deleted: number;
};

export function toVersionInfo(row: VersionRow): VersionInfo {
  return {
    id: row.id,
    parent: row.parent,
    message: row.message,
    author: row.author as Author,
    createdAt: new Date(row.created_at).toISOString(),
    tree: row.tree,
    stats: { added: row.added, modified: row.modified, deleted: row.deleted },
  };
}
