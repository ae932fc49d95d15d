import {
  buildAssetManifest,
  createMemoryStorage,
  handleAssetRequest,
  type AssetManifest,
  type AssetMetadata,
  type AssetStorage,
} from "@cloudflare/worker-bundler";
import { SCHEDULED_CF_FIELD, type BuildOutput } from "../bundler";
import { hashBytes } from "../store";
import { SandboxStopped, VERSION_CF_FIELD, type SandboxGrant, type SandboxRuntime } from "../sandbox";
import { hostOnlyCookies } from "./cookies";
import { textAtMost } from "./bounded-body";
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
 * The most response header bytes a preview passes on. More than this and the
 * local server's proxies give up without an answer (200 KB left the client
 * waiting); browsers and Cloudflare's edge also refuse headers this large.
 */
const MAX_RESPONSE_HEADER_BYTES = 64 * 1024;

/**
 * Answers a preview request: static assets from the host, everything else
 * from the app's dynamic worker in the sandbox runtime, under the project's
 * grant. A worker the runtime had to stop gets a 503 page naming the limit,
 * an answer past a bound (its headers) a 502, and `failed` is told (the
 * project's log).
 */
export async function servePreview(
  request: Request,
  preview: LoadedPreview,
  version: string,
  runtime: SandboxRuntime,
  grant: SandboxGrant,
  failed: (message: string) => void,
): Promise<Response> {
  const { base } = preview.output;
  const url = base ? new URL(request.url) : undefined;
  // As `vite dev` does for a `base`: the root goes to the app's URL.
  if (base && (url!.pathname === "/" || url!.pathname === "/index.html")) {
    return new Response(null, { status: 302, headers: { Location: base + url!.search } });
  }
  const asset = await handleAssetRequest(base ? underBase(request, url!, base) : request, preview.manifest, preview.storage, {
    not_found_handling: notFoundHandling(request, preview.output),
  });
  if (asset) return asset;
  if (!preview.worker) return new Response("Not found", { status: 404 });
  const cf = { ...(request.cf ?? {}), [VERSION_CF_FIELD]: version };
  try {
    const response = await runtime.fetch(appWorker(preview, grant), new Request(request, { cf }));
    const headerBytes = [...response.headers].reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0);
    if (headerBytes > MAX_RESPONSE_HEADER_BYTES) {
      await response.body?.cancel();
      const message = `The app's response headers are ${headerBytes.toLocaleString("en-US")} bytes, over the ${MAX_RESPONSE_HEADER_BYTES.toLocaleString("en-US")} a preview passes on; it was answered 502 instead.`;
      failed(message);
      return new Response(`${message}\nSee GET /api/projects/:id/logs.\n`, {
        status: 502,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      });
    }
    return hostOnlyCookies(response);
  } catch (error) {
    if (error instanceof SandboxStopped) {
      failed(error.message);
      return new Response(`${error.message}\nSee GET /api/projects/:id/logs.\n`, {
        status: 503,
        headers: { "Content-Type": "text/plain; charset=utf-8", "Retry-After": "5" },
      });
    }
    // As a deployed Worker would: an uncaught exception is a 500 (its details go to the logs).
    return new Response(`The app threw an uncaught exception: ${String(error)}\nSee GET /api/projects/:id/logs.\n`, {
      status: 500,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
}

/** The app's worker as the runtime loads it (one isolate per version, see loaderId). */
function appWorker(preview: LoadedPreview, grant: SandboxGrant) {
  const code = preview.worker!;
  const { compatibilityDate, compatibilityFlags } = preview.output;
  return { id: preview.loaderId, subject: "The app's worker", grant, code: () => ({ ...code, compatibilityDate, compatibilityFlags }) };
}

const MAX_SCHEDULED_ANSWER_BYTES = 64 * 1024;

/** What running the app's `scheduled` handler once gave (see bindings.ts, SCHEDULED_CF_FIELD). */
export interface ScheduledRun {
  cron: string;
  outcome: "ok" | "exception" | "no_handler" | "no_worker" | "stopped";
  error?: string;
}

/** Runs a version's `scheduled` handler once, as a cron trigger would, with `cron` (empty: the config's first). */
export async function runScheduled(
  preview: LoadedPreview,
  cron: string,
  version: string,
  runtime: SandboxRuntime,
  grant: SandboxGrant,
  failed: (message: string) => void,
): Promise<ScheduledRun> {
  if (!preview.worker) return { cron, outcome: "no_worker" };
  const cf = { [VERSION_CF_FIELD]: version, [SCHEDULED_CF_FIELD]: cron };
  try {
    const response = await runtime.fetch(appWorker(preview, grant), new Request("http://scheduled.invalid/", { method: "POST", cf }));
    // The app's code runs where the answer is made: it is read bounded, and as untrusted JSON.
    let answer: Partial<ScheduledRun>;
    try {
      answer = JSON.parse(await textAtMost(response, MAX_SCHEDULED_ANSWER_BYTES, "The scheduled run's answer")) as Partial<ScheduledRun>;
    } catch (error) {
      return { cron, outcome: "exception", error: `The scheduled run's answer could not be read: ${(error as Error).message}` };
    }
    return {
      cron: typeof answer.cron === "string" ? answer.cron : cron,
      outcome: answer.outcome === "ok" || answer.outcome === "exception" || answer.outcome === "no_handler" ? answer.outcome : "exception",
      ...(typeof answer.error === "string" ? { error: answer.error } : {}),
    };
  } catch (error) {
    if (!(error instanceof SandboxStopped)) throw error;
    failed(error.message);
    return { cron, outcome: "stopped", error: error.message };
  }
}

/** A request for `<base>x` as one for `/x`: the client's files are stored at the root and served under its base too. */
function underBase(request: Request, url: URL, base: string): Request {
  if (!url.pathname.startsWith(base)) return request;
  url.pathname = `/${url.pathname.slice(base.length)}`;
  return new Request(url, request);
}

/**
 * As Workers route a request no asset matches: a static site follows its
 * `assets.not_found_handling` (a single-page app when unset); with a worker,
 * only a single-page app's navigations (Sec-Fetch-Mode: navigate) get its
 * index.html, and every other request goes to the worker.
 */
function notFoundHandling(request: Request, output: LoadedPreview["output"]): "single-page-application" | "404-page" | "none" {
  if (!output.mainModule) return output.notFoundHandling ?? "single-page-application";
  const navigation = request.headers.get("Sec-Fetch-Mode") === "navigate";
  return output.notFoundHandling === "single-page-application" && navigation ? "single-page-application" : "none";
}
