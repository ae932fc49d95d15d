import { DurableObject } from "cloudflare:workers";
import { InMemoryFileSystem, installDependencies } from "@cloudflare/worker-bundler";
import { ChunkStore } from "../results/chunks";
import type { DependencySet } from "../interface";
import { gzip } from "../results/serialize";
import { fromRegistryOnly } from "./registry-fetch";

/** An install as it crosses RPC: node_modules as gzipped JSON (several MB of text packs to a few hundred KB). */
export type PackedInstall = { packed: Uint8Array; installed?: string[] } | { failures: string[] };

/**
 * One dependency set shared by every project that declares it: its
 * installed node_modules and the vendor bundles built from it, in this
 * object's SQLite database, so they outlive restarts. A new project from the
 * starter finds both here and installs and pre-bundles nothing. The object
 * runs one install at a time per set: projects asking while it runs wait for
 * the same install. A failed install is not kept; the next request tries again.
 */
export class DependencySetObject extends DurableObject {
  private readonly chunks = new ChunkStore(this.ctx.storage);
  private readonly installing = new Map<string, Promise<PackedInstall>>();

  install(set: DependencySet): Promise<PackedInstall> {
    const stored = this.chunks.read(`deps:${set.key}`);
    if (stored) return Promise.resolve({ packed: stored });
    let running = this.installing.get(set.key);
    if (!running) {
      running = this.installNow(set).finally(() => this.installing.delete(set.key));
      this.installing.set(set.key, running);
    }
    return running;
  }

  /** A vendor bundle, gzipped, or null if none was stored under `key`. */
  vendor(key: string): Uint8Array | null {
    return this.chunks.read(`vendor:${key}`);
  }

  async putVendor(key: string, code: string): Promise<void> {
    // The same key always names the same code: a second writer changes nothing.
    if (!this.chunks.has(`vendor:${key}`)) this.chunks.write(`vendor:${key}`, await gzip(code));
  }

  private async installNow(set: DependencySet): Promise<PackedInstall> {
    const fs = new InMemoryFileSystem({ "package.json": JSON.stringify({ dependencies: set.dependencies }) });
    const result = await fromRegistryOnly(set.registry, () => installDependencies(fs, { registry: set.registry }));
    if (result.warnings.length > 0) return { failures: result.warnings };
    const files: Record<string, string> = {};
    for (const path of fs.list("node_modules/")) files[path] = fs.read(path)!;
    const packed = await gzip(JSON.stringify(files));
    this.chunks.write(`deps:${set.key}`, packed);
    return { packed, installed: result.installed };
  }
}
