import { buildAssetManifest, createMemoryStorage, handleAssetRequest, type AssetManifest, type AssetStorage } from "@cloudflare/worker-bundler";
import type { BuildOutput } from "../build";
import { hashBytes } from "../store";
import { hostOnlyCookies } from "./cookies";
import { sandboxEntry, type WorkerModules } from "./sandbox-entry";

/** A built version ready to answer requests: its assets and its worker. */
export interface LoadedPreview {
  manifest: AssetManifest;
  storage: AssetStorage;
  /** Content-derived Worker Loader id: the same id always yields the same code. */
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
}

export async function loadPreview(projectId: string, version: string, output: BuildOutput): Promise<LoadedPreview> {
  const assets = Object.fromEntries(
    Object.entries(output.assets).map(([path, content]) => [path, typeof content === "string" ? content : content.slice().buffer]),
  );
  const worker = output.mainModule ? sandboxEntry({ mainModule: output.mainModule, modules: output.modules }) : undefined;
  const code = JSON.stringify([worker, output.compatibilityDate, output.compatibilityFlags]);
  return {
    manifest: await buildAssetManifest(assets),
    storage: createMemoryStorage(assets),
    // The version is part of the id because the worker's log props name it.
    loaderId: `${projectId}:${version}:${hashBytes(new TextEncoder().encode(code))}`,
    output,
    ...(worker ? { worker } : {}),
  };
}

/**
 * Answers a preview request: static assets from the host, everything else
 * from the app's dynamic worker, which gets only the sandbox's bindings.
 */
export async function servePreview(
  request: Request,
  preview: LoadedPreview,
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
  try {
    return hostOnlyCookies(await worker.getEntrypoint().fetch(request));
  } catch (error) {
    // As a deployed Worker would: an uncaught exception is a 500 (its details go to the logs).
    return new Response(`The app threw an uncaught exception: ${String(error)}\nSee GET /api/projects/:id/logs.\n`, {
      status: 500,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
}
