/**
 * The `env.KV` of a project's app: a key-value store with the Workers KV
 * method shapes, kept in the project's SQLite database so every version of
 * the app sees the same data.
 */
export type KvValueType = "text" | "json" | "arrayBuffer";

export interface KvListResult {
  keys: { name: string; expiration?: number; metadata?: unknown }[];
  list_complete: boolean;
  cursor?: string;
}

const MAX_VALUE_BYTES = 1_000_000;

export class AppKvStore {
  /** `table` is `app_kv` for the previews' data; test runs get a table of their own (see project-tests.ts). */
  constructor(
    private readonly sql: SqlStorage,
    private readonly table = "app_kv",
  ) {
    if (!/^[a-z0-9_]+$/.test(table)) throw new Error(`Not a KV table name: ${table}`);
    sql.exec(`CREATE TABLE IF NOT EXISTS ${table} (
      key TEXT PRIMARY KEY, value BLOB NOT NULL, metadata TEXT, expiration INTEGER)`);
  }

  get(key: string, type: KvValueType = "text"): string | ArrayBuffer | unknown | null {
    const row = this.live(key);
    if (!row) return null;
    if (type === "arrayBuffer") return row.value;
    const text = new TextDecoder().decode(row.value);
    return type === "json" ? (JSON.parse(text) as unknown) : text;
  }

  put(key: string, value: string | ArrayBuffer, options: { expiration?: number; expirationTtl?: number; metadata?: unknown } = {}): void {
    if (key === "" || new TextEncoder().encode(key).byteLength > 512) throw new Error("KV keys must be 1 to 512 bytes long.");
    const bytes = typeof value === "string" ? new TextEncoder().encode(value) : new Uint8Array(value);
    if (bytes.byteLength > MAX_VALUE_BYTES) throw new Error(`KV values are limited to ${MAX_VALUE_BYTES} bytes here.`);
    const expiration = options.expirationTtl ? Math.floor(Date.now() / 1000) + options.expirationTtl : (options.expiration ?? null);
    const metadata = options.metadata === undefined ? null : JSON.stringify(options.metadata);
    this.sql.exec(
      `INSERT OR REPLACE INTO ${this.table} (key, value, metadata, expiration) VALUES (?, ?, ?, ?)`,
      key,
      bytes,
      metadata,
      expiration,
    );
  }

  delete(key: string): void {
    this.sql.exec(`DELETE FROM ${this.table} WHERE key = ?`, key);
  }

  /** How many live keys there are. */
  count(): number {
    return this.sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM ${this.table} WHERE expiration IS NULL OR expiration > ?`,
        Math.floor(Date.now() / 1000),
      )
      .one().n;
  }

  list(options: { prefix?: string; limit?: number; cursor?: string } = {}): KvListResult {
    const limit = Math.min(Math.max(options.limit ?? 1000, 1), 1000);
    const prefix = options.prefix ?? "";
    const after = options.cursor ? fromCursor(options.cursor) : "";
    const rows = this.sql
      .exec<{ key: string; metadata: string | null; expiration: number | null }>(
        `SELECT key, metadata, expiration FROM ${this.table}
         WHERE key > ? AND substr(key, 1, ?) = ? AND (expiration IS NULL OR expiration > ?)
         ORDER BY key LIMIT ?`,
        after,
        prefix.length,
        prefix,
        Math.floor(Date.now() / 1000),
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit);
    const keys = page.map((row) => ({
      name: row.key,
      ...(row.expiration !== null ? { expiration: row.expiration } : {}),
      ...(row.metadata !== null ? { metadata: JSON.parse(row.metadata) as unknown } : {}),
    }));
    const complete = rows.length <= limit;
    return complete ? { keys, list_complete: true } : { keys, list_complete: false, cursor: toCursor(page.at(-1)!.key) };
  }

  private live(key: string): { value: ArrayBuffer } | undefined {
    const row = this.sql
      .exec<{ value: ArrayBuffer; expiration: number | null }>(`SELECT value, expiration FROM ${this.table} WHERE key = ?`, key)
      .toArray()[0];
    if (!row) return undefined;
    if (row.expiration !== null && row.expiration <= Math.floor(Date.now() / 1000)) {
      this.delete(key);
      return undefined;
    }
    return row;
  }
}

/** A cursor is the last key listed, as base64 of its UTF-8 (`btoa` alone refuses keys beyond Latin-1). */
function toCursor(key: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(key)));
}

function fromCursor(cursor: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(cursor), (char) => char.charCodeAt(0)));
  } catch {
    throw new Error("Not a cursor of this KV namespace's list().");
  }
}
