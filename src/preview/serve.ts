import {
  buildAssetManifest,
  createMemoryStorage,
  handleAssetRequest,
  type AssetManifest,
  type AssetMetadata,
  type AssetStorage,
} from "@cloudflare/worker-bundler";
import type { BuildOutput } from "../bundler";
import { hashBytes } from "../store";
import { hostOnlyCookies } from "./cookies";
import { sandboxEntry, type WorkerModules } from "./sandbox-entry";

/** A built version ready to answer requests: its assets and its worker. */
export interface LoadedPreview {
  manifest: AssetManifest;
  storage: AssetStorage;
  /**
   * Worker Loader id, from the project and the worker's code only: versions
   * whose server code is the same (a client-only edit) share one warm isolate.
   */
  loaderId: string;
  output: BuildOutput;
  /** The app's worker as loaded (its modules and the sandbox's); absent for a static-only app. */
  worker?: WorkerModules;
}

/** What the host gives an app's worker: its bindings, its only way out, and where its logs go. */
export interface SandboxBindings {
  env: Record<string, unknown>;
  globalOutbound: Fetcher;
  tails: Fetcher[];
  /** CPU time per request where the runtime enforces limits (deployed; local workerd ignores it). */
  limits: { cpuMs: number };
}

/**
 * The `request.cf` field naming the version a request was served for. An
 * isolate serves every version with its code, so its tail learns the version
 * per request from here; only the host sets `cf` on a request into the app.
 */
export const VERSION_CF_FIELD = "previewVersion";

/** Asset metadata by path and content hash: an unchanged asset (a 1 MB vendor bundle) is hashed once, not per version. */
const assetMetadata = new Map<string, AssetMetadata>();
const ASSET_METADATA_KEPT = 2_000;

export async function loadPreview(projectId: string, output: BuildOutput): Promise<LoadedPreview> {
  const assets = Object.fromEntries(
    Object.entries(output.assets).map(([path, content]) => [path, typeof content === "string" ? content : content.slice().buffer]),
  );
  const worker = output.mainModule ? sandboxEntry({ mainModule: output.mainModule, modules: output.modules }) : undefined;
  const code = JSON.stringify([worker, output.compatibilityDate, output.compatibilityFlags]);
  return {
    manifest: await assetManifest(assets, output.assetHashes),
    storage: createMemoryStorage(assets),
    loaderId: `${projectId}:${hashBytes(new TextEncoder().encode(code))}`,
    output,
    ...(worker ? { worker } : {}),
  };
}

/** worker-bundler's manifest, computed only for assets whose (path, content hash) was not seen before. */
async function assetManifest(
  assets: Record<string, string | ArrayBuffer>,
  hashes: Record<string, string> | undefined,
): Promise<AssetManifest> {
  const manifest: AssetManifest = new Map();
  const missing: Record<string, string | ArrayBuffer> = {};
  for (const [path, content] of Object.entries(assets)) {
    const known = hashes?.[path] === undefined ? undefined : assetMetadata.get(`${path}\n${hashes[path]}`);
    if (known) manifest.set(path, known);
    else missing[path] = content;
  }
  for (const [path, metadata] of await buildAssetManifest(missing)) {
    manifest.set(path, metadata);
    if (hashes?.[path] === undefined) continue;
    assetMetadata.set(`${path}\n${hashes[path]}`, metadata);
    if (assetMetadata.size > ASSET_METADATA_KEPT) assetMetadata.delete(assetMetadata.keys().next().value!);
  }
  return manifest;
}

/**
 * Answers a preview request: static assets from the host, everything else
 * from the app's dynamic worker, which gets only the sandbox's bindings.
 */
export async function servePreview(
  request: Request,
  preview: LoadedPreview,
  version: string,
  loader: WorkerLoader,
  sandbox: () => SandboxBindings,
): Promise<Response> {
  const asset = await handleAssetRequest(request, preview.manifest, preview.storage, {
    not_found_handling: preview.output.mainModule ? "none" : "single-page-application",
  });
  if (asset) return asset;
  const { compatibilityDate, compatibilityFlags } = preview.output;
  if (!preview.worker) return new Response("Not found", { status: 404 });
  const code = preview.worker;
  const worker = loader.get(preview.loaderId, () => ({ ...code, compatibilityDate, compatibilityFlags, ...sandbox() }));
  const cf = { ...(request.cf ?? {}), [VERSION_CF_FIELD]: version };
  try {
    return hostOnlyCookies(await worker.getEntrypoint().fetch(new Request(request, { cf })));
  } catch (error) {
    // As a deployed Worker would: an uncaught exception is a 500 (its details go to the logs).
    return new Response(`The app threw an uncaught exception: ${String(error)}\nSee GET /api/projects/:id/logs.\n`, {
      status: 500,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
}
