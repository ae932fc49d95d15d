import type { DatabaseView } from "../project/app-database";
import { TEST_PROGRESS_BINDING } from "../testing/sandbox/protocol";
/**
 * Where a project's code runs: previews, test runs and `execute`. Two
 * runtimes share this interface: in the host's own process (deployed, where
 * the platform enforces each worker's CPU limit, and in the test pool), and in
 * a process of its own watched by a supervisor (`npm start`: local workerd
 * enforces no limits and runs every isolate of a process on one thread, so a
 * loop in an app would otherwise freeze the API).
 */
export interface SandboxRuntime {
  /**
   * Sends a request to the worker with this id, loading it from `code` when
   * the runtime does not hold it yet. A worker that the runtime had to stop
   * (a loop, memory) rejects with a `SandboxStopped`.
   */
  fetch(worker: SandboxWorker, request: Request): Promise<Response>;
  /** codemode's `evaluate` in a fresh worker made from `code` (no bindings; `globalOutbound` as given). */
  evaluate(code: WorkerLoaderWorkerCode, cpuMs: number, dispatchers: object, connectors: object): Promise<unknown>;
  /** Deletes a test run's D1 database, where this runtime keeps the apps' databases. */
  dropDatabase(projectId: string, testRun: string, binding: string): Promise<void>;
  /** The previews' D1 database of a binding, as the data view shows it (see AppDatabase.inspect). */
  inspectDatabase(projectId: string, binding: string, query: DatabaseQuery): Promise<DatabaseView | null>;
}

export interface SandboxWorker {
  /** Worker Loader id: the same id means the same code, so a warm isolate is reused. */
  id: string;
  /** Names the worker in errors: "The app's worker", "The test run". */
  subject: string;
  code: () => SandboxCode;
  grant: SandboxGrant;
  /** The request may be sent again when the process stopped under it (GET and HEAD always may). */
  replayable?: boolean;
}

/** A worker's code, without its bindings (those come from its grant). */
export interface SandboxCode {
  mainModule: string;
  modules: Record<string, string>;
  compatibilityDate: string;
  compatibilityFlags?: string[];
}

/**
 * What a worker may reach, named rather than handed over as bindings: each
 * runtime makes the bindings itself, scoped to the project (and test run).
 */
export interface SandboxGrant {
  projectId: string;
  /** A test run's sandbox: its `env.KV` is that run's own. */
  testRun?: string;
  /** `env.KV`, the project's app KV. */
  kv: boolean;
  /** Every fetch goes through the project's egress policy. */
  egress: boolean;
  /** Console output and exceptions of each request go to the project's logs. */
  tail: boolean;
  /** CPU time per request where the runtime enforces it (deployed). */
  cpuMs: number;
}

/**
 * The \`request.cf\` field naming the version a request was served for. An
 * isolate serves every version with its code, so its tail learns the version
 * per request from here; only the host sets \`cf\` on a request into the app.
 */
export const VERSION_CF_FIELD = "previewVersion";

/** A call the runtime stopped (its worker ran away), with a message that says which limit and why. */
export class SandboxStopped extends Error {
  override name = "SandboxStopped";
}

/**
 * A Worker Loader for codemode's DynamicWorkerExecutor that runs each load in
 * `runtime` (codemode calls only `load(...).getEntrypoint().evaluate(...)`).
 */
export function codemodeLoader(runtime: SandboxRuntime, cpuMs: number): WorkerLoader {
  return {
    load: (code: WorkerLoaderWorkerCode) => ({
      getEntrypoint: () => ({
        evaluate: (dispatchers: object, connectors: object) => runtime.evaluate(code, cpuMs, dispatchers, connectors),
      }),
    }),
  } as unknown as WorkerLoader;
}

/** What a grant's bindings are made of: entrypoints of the process the worker runs in, given the grant's props. */
export interface GrantEntrypoints {
  kv(props: { props: SandboxProps }): Fetcher;
  /** The app's D1 databases (AppD1): the environment module makes each binding from it. */
  d1(props: { props: SandboxProps }): Fetcher;
  /** A test run's: which test starts (TEST_PROGRESS_BINDING). */
  progress(props: { props: SandboxProps }): Fetcher;
  egress(props: { props: SandboxProps }): Fetcher;
  tail(props: { props: SandboxProps }): Fetcher;
}

export type DatabaseQuery = { table?: string; offset?: number; limit?: number };

/** The binding the environment module makes an app's D1 databases from; the app's own `env` never shows it. */
export const D1_BINDING = "__D1_DATABASES";

/** The props of a grant's entrypoints: set by the host, never visible to the app. */
export interface SandboxProps {
  projectId: string;
  testRun?: string;
}

/** The bindings a grant names, scoped by props that name the project (and test run). */
export function grantBindings(
  grant: SandboxGrant,
  entrypoints: GrantEntrypoints,
): Pick<WorkerLoaderWorkerCode, "env" | "globalOutbound" | "tails" | "limits"> {
  const props = { props: { projectId: grant.projectId, ...(grant.testRun ? { testRun: grant.testRun } : {}) } };
  return {
    env: {
      ...(grant.kv ? { KV: entrypoints.kv(props), [D1_BINDING]: entrypoints.d1(props) } : {}),
      ...(grant.testRun ? { [TEST_PROGRESS_BINDING]: entrypoints.progress(props) } : {}),
    },
    globalOutbound: grant.egress ? entrypoints.egress(props) : null,
    tails: grant.tail ? [entrypoints.tail(props)] : [],
    limits: { cpuMs: grant.cpuMs },
  };
}
