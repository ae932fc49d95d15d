import { createHash } from "node:crypto";
import { hashBytes } from "../../store";
import type { BuildOutput } from "../interface";

/** A stored build: every module and asset by content hash, so a vendor bundle shared by many builds is stored once. */
export interface OutputManifest {
  mainModule?: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  notFoundHandling?: BuildOutput["notFoundHandling"];
  base?: string;
  modules: Record<string, string>;
  assets: Record<string, { hash: string; binary: boolean }>;
}

const decoder = new TextDecoder();

/**
 * Hashes of large texts seen lately: every build carries the same vendor
 * bundles (the same string objects, from the shared cache), and a Map finds a
 * long string that is the same object without reading it.
 */
const largeTextHashes = new Map<string, string>();
const LARGE_TEXT = 64 * 1024;

/** The SHA-256 of a text's UTF-8 bytes: the same as hashBytes of its encoding. */
function hashText(text: string): string {
  const known = largeTextHashes.get(text);
  if (known !== undefined) return known;
  const hash = createHash("sha256").update(text, "utf8").digest("hex");
  if (text.length >= LARGE_TEXT) {
    largeTextHashes.set(text, hash);
    if (largeTextHashes.size > 8) largeTextHashes.delete(largeTextHashes.keys().next().value!);
  }
  return hash;
}

/** A build output by content hash: its manifest, and each module's and asset's content (gzip takes text or bytes). */
export function splitOutput(output: BuildOutput): { manifest: OutputManifest; blobs: Map<string, string | Uint8Array> } {
  const blobs = new Map<string, string | Uint8Array>();
  const add = (content: string | Uint8Array) => {
    const hash = typeof content === "string" ? hashText(content) : hashBytes(content);
    blobs.set(hash, content);
    return hash;
  };
  const modules = Object.fromEntries(Object.entries(output.modules).map(([name, code]) => [name, add(code)]));
  const assets = Object.fromEntries(
    Object.entries(output.assets).map(([path, content]) => [path, { hash: add(content), binary: typeof content !== "string" }]),
  );
  const { mainModule, compatibilityDate, compatibilityFlags, notFoundHandling, base } = output;
  return {
    manifest: {
      ...(mainModule ? { mainModule } : {}),
      compatibilityDate,
      compatibilityFlags,
      ...(notFoundHandling ? { notFoundHandling } : {}),
      ...(base ? { base } : {}),
      modules,
      assets,
    },
    blobs,
  };
}

export async function joinOutput(manifest: OutputManifest, read: (hash: string) => Promise<Uint8Array>): Promise<BuildOutput> {
  const modules: Record<string, string> = {};
  for (const [name, hash] of Object.entries(manifest.modules)) modules[name] = decoder.decode(await read(hash));
  const assets: Record<string, string | Uint8Array> = {};
  for (const [path, { hash, binary }] of Object.entries(manifest.assets)) {
    const bytes = await read(hash);
    assets[path] = binary ? bytes : decoder.decode(bytes);
  }
  const { mainModule, compatibilityDate, compatibilityFlags, notFoundHandling, base } = manifest;
  return {
    ...(mainModule ? { mainModule } : {}),
    ...(notFoundHandling ? { notFoundHandling } : {}),
    ...(base ? { base } : {}),
    modules,
    assets,
    compatibilityDate,
    compatibilityFlags,
    assetHashes: assetHashes(manifest),
  };
}

/** The content hash of each asset of a stored output. */
export function assetHashes(manifest: OutputManifest): Record<string, string> {
  return Object.fromEntries(Object.entries(manifest.assets).map(([path, { hash }]) => [path, hash]));
}

export async function gzip(data: string | Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzipBytes(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzip(bytes: Uint8Array): Promise<string> {
  return decoder.decode(await gunzipBytes(bytes));
}
