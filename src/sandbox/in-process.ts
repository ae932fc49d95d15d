import { exports } from "cloudflare:workers";
import { appDatabase, type AppDatabase } from "../project/app-database";
import { grantBindings, type GrantEntrypoints, type SandboxRuntime, type SandboxWorker } from "./runtime";

/**
 * Runs workers with this process's Worker Loader. Deployed, the platform stops
 * a worker past its CPU limit; in local workerd nothing does, which is why
 * `npm start` uses the remote runtime instead (remote.ts).
 */
export function inProcessSandbox(loader: WorkerLoader, databases: DurableObjectNamespace<AppDatabase>): SandboxRuntime {
  return {
    dropDatabase: (projectId, testRun, binding) => appDatabase(databases, projectId, testRun, binding).destroy(),
    inspectDatabase: (projectId, binding, query) => appDatabase(databases, projectId, undefined, binding).inspect(query),
    fetch(worker: SandboxWorker, request: Request) {
      const stub = loader.get(worker.id, () => ({ ...worker.code(), ...grantBindings(worker.grant, HOST_ENTRYPOINTS) }));
      return stub.getEntrypoint().fetch(request);
    },
    evaluate: (code, cpuMs, dispatchers, connectors) => evaluateIn(loader, code, cpuMs, dispatchers, connectors),
  };
}

/** The host's own loopback entrypoints (src/project/entrypoints.ts). */
const HOST_ENTRYPOINTS: GrantEntrypoints = {
  kv: (props) => exports.AppKV(props),
  d1: (props) => exports.AppD1(props),
  egress: (props) => exports.AppEgress(props),
  tail: (props) => exports.AppTail(props),
  progress: (props) => exports.AppTestProgress(props),
};

/**
 * Loads a fresh worker and calls its `evaluate` (codemode's executor module).
 * The stubs are disposed at once: left to GC they may be finalized after the
 * isolate's shutdown began, which workerd treats as fatal.
 */
export async function evaluateIn(
  loader: WorkerLoader,
  code: WorkerLoaderWorkerCode,
  cpuMs: number,
  dispatchers: object,
  connectors: object,
): Promise<unknown> {
  const worker = loader.load({ ...code, limits: { cpuMs } });
  const entrypoint = worker.getEntrypoint() as unknown as { evaluate(d: object, c: object): Promise<unknown> } & Partial<Disposable>;
  try {
    return await entrypoint.evaluate(dispatchers, connectors);
  } finally {
    dispose(entrypoint);
    dispose(worker);
  }
}

function dispose(resource: unknown): void {
  try {
    (resource as Partial<Disposable>)[Symbol.dispose]?.();
  } catch {
    // already gone
  }
}
