import type { BuildError, BuildResult, DependencyCache, VendorCache } from "./interface";
import { assetHashes, gunzip, gunzipBytes, gzip, joinOutput, splitOutput, type OutputManifest } from "./serialize";

/** Bumped when the bundling changes, so stored results of an older pipeline are not reused. */
const PIPELINE = "b2";
/** A Durable Object SQLite row holds at most 2 MB. */
const CHUNK_BYTES = 1_900_000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS builds (
    key TEXT PRIMARY KEY,
    ok INTEGER NOT NULL,
    errors TEXT NOT NULL,
    warnings TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    output TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS build_chunks (
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (key, seq)
  ) WITHOUT ROWID;
`;

/**
 * Build results by tree hash, installed dependency sets and vendor bundles,
 * in a Durable Object's SQLite database. A build's modules and assets are
 * stored by content hash (a vendor bundle shared by every build is stored
 * once). Large values are gzipped and split into rows under the 2 MB row
 * limit; each value is written in one transaction, so a reader sees all of
 * it or none.
 */
export class SqlBuildCache {
  /** The last dependency set used, kept decoded: consecutive edits of a project share it. */
  private recentDependencies: { key: string; files: Record<string, string> } | undefined;

  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(SCHEMA);
  }

  readonly dependencies: DependencyCache = {
    get: async (key) => {
      if (this.recentDependencies?.key === key) return this.recentDependencies.files;
      const bytes = this.readChunks(`deps:${key}`);
      if (!bytes) return null;
      const files = JSON.parse(await gunzip(bytes)) as Record<string, string>;
      this.recentDependencies = { key, files };
      return files;
    },
    put: async (key, files) => {
      this.writeChunks(`deps:${key}`, await gzip(JSON.stringify(files)));
      this.recentDependencies = { key, files };
    },
  };

  private readonly recentVendors = new Map<string, string>();

  readonly vendors: VendorCache = {
    get: async (key) => {
      const memo = this.recentVendors.get(key);
      if (memo !== undefined) return memo;
      const bytes = this.readChunks(`vendor:${key}`);
      if (!bytes) return null;
      const code = await gunzip(bytes);
      this.remember(key, code);
      return code;
    },
    put: async (key, code) => {
      this.writeChunks(`vendor:${key}`, await gzip(code));
      this.remember(key, code);
    },
  };

  private remember(key: string, code: string): void {
    this.recentVendors.set(key, code);
    if (this.recentVendors.size > 4) this.recentVendors.delete(this.recentVendors.keys().next().value!);
  }

  /** Whether `tree` was built and how it went, without loading the output. */
  buildStatus(tree: string): Omit<BuildResult, "output"> | null {
    const row = this.storage.sql
      .exec<{ ok: number; errors: string; warnings: string; duration_ms: number }>(
        "SELECT ok, errors, warnings, duration_ms FROM builds WHERE key = ?",
        `${PIPELINE}:${tree}`,
      )
      .toArray()[0];
    if (!row) return null;
    return {
      ok: row.ok === 1,
      errors: JSON.parse(row.errors) as BuildError[],
      warnings: JSON.parse(row.warnings) as string[],
      durationMs: row.duration_ms,
    };
  }

  /** The stored result of building `tree`, or null if it was never built. */
  async getBuild(tree: string): Promise<BuildResult | null> {
    const key = `${PIPELINE}:${tree}`;
    const row = this.storage.sql
      .exec<{ ok: number; errors: string; warnings: string; duration_ms: number; output: string | null }>(
        "SELECT * FROM builds WHERE key = ?",
        key,
      )
      .toArray()[0];
    if (!row) return null;
    const result: BuildResult = {
      ok: row.ok === 1,
      errors: JSON.parse(row.errors) as BuildError[],
      warnings: JSON.parse(row.warnings) as string[],
      durationMs: row.duration_ms,
    };
    if (row.output !== null) {
      result.output = await joinOutput(JSON.parse(row.output) as OutputManifest, async (hash) => {
        const bytes = this.readChunks(`blob:${hash}`);
        if (!bytes) throw new Error(`Stored build ${tree} misses blob ${hash}.`);
        return gunzipBytes(bytes);
      });
    }
    return result;
  }

  async putBuild(tree: string, result: BuildResult): Promise<void> {
    const key = `${PIPELINE}:${tree}`;
    const split = result.output ? splitOutput(result.output) : undefined;
    const fresh = new Map<string, Uint8Array>();
    for (const [hash, bytes] of split?.blobs ?? []) {
      if (!this.hasChunks(`blob:${hash}`)) fresh.set(hash, await gzip(bytes));
    }
    this.storage.transactionSync(() => {
      for (const [hash, packed] of fresh) this.writeChunks(`blob:${hash}`, packed);
      this.storage.sql.exec(
        "INSERT OR REPLACE INTO builds (key, ok, errors, warnings, duration_ms, output, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        key,
        result.ok ? 1 : 0,
        JSON.stringify(result.errors),
        JSON.stringify(result.warnings),
        result.durationMs,
        split ? JSON.stringify(split.manifest) : null,
        Date.now(),
      );
    });
    if (result.output && split) result.output.assetHashes = assetHashes(split.manifest);
  }

  private hasChunks(key: string): boolean {
    return this.storage.sql.exec("SELECT 1 FROM build_chunks WHERE key = ? LIMIT 1", key).toArray().length > 0;
  }

  private readChunks(key: string): Uint8Array | null {
    const rows = this.storage.sql
      .exec<{ data: ArrayBuffer }>("SELECT data FROM build_chunks WHERE key = ? ORDER BY seq", key)
      .toArray();
    if (rows.length === 0) return null;
    const total = rows.reduce((sum, row) => sum + row.data.byteLength, 0);
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const row of rows) {
      bytes.set(new Uint8Array(row.data), offset);
      offset += row.data.byteLength;
    }
    return bytes;
  }

  private writeChunks(key: string, bytes: Uint8Array): void {
    this.storage.transactionSync(() => {
      this.storage.sql.exec("DELETE FROM build_chunks WHERE key = ?", key);
      for (let seq = 0, offset = 0; offset < bytes.byteLength; seq++, offset += CHUNK_BYTES) {
        this.storage.sql.exec(
          "INSERT INTO build_chunks (key, seq, data) VALUES (?, ?, ?)",
          key,
          seq,
          bytes.subarray(offset, offset + CHUNK_BYTES),
        );
      }
    });
  }
}
