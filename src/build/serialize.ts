import { hashBytes } from "../store";
import type { BuildOutput } from "./interface";

/** A stored build: every module and asset by content hash, so a vendor bundle shared by many builds is stored once. */
export interface OutputManifest {
  mainModule?: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  modules: Record<string, string>;
  assets: Record<string, { hash: string; binary: boolean }>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function splitOutput(output: BuildOutput): { manifest: OutputManifest; blobs: Map<string, Uint8Array> } {
  const blobs = new Map<string, Uint8Array>();
  const add = (bytes: Uint8Array) => {
    const hash = hashBytes(bytes);
    blobs.set(hash, bytes);
    return hash;
  };
  const modules = Object.fromEntries(Object.entries(output.modules).map(([name, code]) => [name, add(encoder.encode(code))]));
  const assets = Object.fromEntries(
    Object.entries(output.assets).map(([path, content]) => [
      path,
      typeof content === "string" ? { hash: add(encoder.encode(content)), binary: false } : { hash: add(content), binary: true },
    ]),
  );
  const { mainModule, compatibilityDate, compatibilityFlags } = output;
  return { manifest: { ...(mainModule ? { mainModule } : {}), compatibilityDate, compatibilityFlags, modules, assets }, blobs };
}

export async function joinOutput(manifest: OutputManifest, read: (hash: string) => Promise<Uint8Array>): Promise<BuildOutput> {
  const modules: Record<string, string> = {};
  for (const [name, hash] of Object.entries(manifest.modules)) modules[name] = decoder.decode(await read(hash));
  const assets: Record<string, string | Uint8Array> = {};
  for (const [path, { hash, binary }] of Object.entries(manifest.assets)) {
    const bytes = await read(hash);
    assets[path] = binary ? bytes : decoder.decode(bytes);
  }
  const { mainModule, compatibilityDate, compatibilityFlags } = manifest;
  return { ...(mainModule ? { mainModule } : {}), modules, assets, compatibilityDate, compatibilityFlags, assetHashes: assetHashes(manifest) };
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
