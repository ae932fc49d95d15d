import { ChunkStore } from "./chunks";
import type { BuildError, BuildResult } from "../interface";
import { assetHashes, gunzipBytes, gzip, joinOutput, splitOutput, type OutputManifest } from "./serialize";

/** Bumped when the bundling changes, so stored results of an older pipeline are not reused. */
const PIPELINE = "b4";

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
`;

/**
 * A project's build results by tree hash, in its Durable Object's SQLite
 * database. A build's modules and assets are stored gzipped by content hash
 * (a vendor bundle shared by every build is stored once). Installed
 * dependencies and vendor bundles are shared by all projects instead (see
 * dependency-object.ts).
 */
export class SqlBuildCache {
  private readonly chunks: ChunkStore;

  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(SCHEMA);
    this.chunks = new ChunkStore(storage);
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
        const bytes = this.chunks.read(`blob:${hash}`);
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
      if (!this.chunks.has(`blob:${hash}`)) fresh.set(hash, await gzip(bytes));
    }
    this.storage.transactionSync(() => {
      for (const [hash, packed] of fresh) this.chunks.write(`blob:${hash}`, packed);
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
}
