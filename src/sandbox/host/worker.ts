// The worker of the sandbox process that `npm start` runs beside the API
// (scripts/sandbox-supervisor.mjs): it loads projects' workers with its own
// Worker Loader, so their code runs on this process's thread, never the
// API's. Bindings of those workers are bridges back to the host's
// SandboxGateway, with the grant's props.
import { exports, WorkerEntrypoint } from "cloudflare:workers";
import type { KvValueType } from "../../project/app-kv";
import { appDatabase, type AppDatabase, type D1Statement, type DatabaseView } from "../../project/app-database";
import { logEntriesFromTrace } from "../../project/trace-logs";
import type { KvListOptions, KvPutOptions, SandboxGateway } from "../gateway";
import type { TestStart } from "../../testing/sandbox/protocol";
import { evaluateIn } from "../in-process";
import {
  grantBindings,
  type DatabaseQuery,
  type GrantEntrypoints,
  type SandboxCode,
  type SandboxGrant,
  type SandboxProps,
} from "../runtime";

interface HostEnv {
  LOADER: WorkerLoader;
  /** The apps' D1 databases, kept by this process (persisted beside the API's state). */
  APP_DATABASES: DurableObjectNamespace<AppDatabase>;
  HOST: Service<SandboxGateway>;
  /** How many times the supervisor started this process (1 for the first). */
  GENERATION: string;
  /** Why the previous process was stopped (JSON of `SandboxStop`), or "" for the first. */
  LAST_STOP: string;
}

/** Why the supervisor stopped a sandbox process. */
export interface SandboxStop {
  /** `recycled`: it outgrew the memory limit slowly (many loaded workers), so no call is to blame. */
  kind: "stalled" | "memory" | "recycled" | "exited";
  /** How long the process went without answering (stalled), or its memory in MB (memory, recycled), or the exit code or signal. */
  detail: string;
  /** When the supervisor stopped it. */
  at: number;
  /** Stalled: when the heartbeat it never answered was sent. A call sent later did not cause the stall. */
  since?: number;
}

// `exports` is typed for the host Worker's module (env.d.ts); this module's own entrypoints are the bridges below.
const own = exports as unknown as Record<
  "BridgeKV" | "BridgeD1" | "BridgeEgress" | "BridgeTail" | "BridgeProgress",
  (options: { props: SandboxProps }) => Fetcher
>;
const BRIDGES: GrantEntrypoints = {
  kv: (props) => own.BridgeKV(props),
  d1: (props) => own.BridgeD1(props),
  egress: (props) => own.BridgeEgress(props),
  tail: (props) => own.BridgeTail(props),
  progress: (props) => own.BridgeProgress(props),
};

export default class SandboxHost extends WorkerEntrypoint<HostEnv> {
  /** The supervisor's heartbeat: answering at all is the point. */
  override fetch(): Response {
    return new Response("ok");
  }

  status(): { generation: number; lastStop: SandboxStop | null } {
    return {
      generation: Number(this.env.GENERATION),
      lastStop: this.env.LAST_STOP ? (JSON.parse(this.env.LAST_STOP) as SandboxStop) : null,
    };
  }

  /**
   * `code` is called back only when this process does not hold the worker yet
   * (the host counts the call as begun again when it hands the code over). The
   * host is told that `call` begins before the worker's code may run: a call
   * the process stopped under that never got to run its code cannot be the cause.
   */
  async fetchWorker(id: string, grant: SandboxGrant, request: Request, code: () => Promise<SandboxCode>, call: string): Promise<Response> {
    const worker = this.env.LOADER.get(id, async () => ({ ...(await code()), ...grantBindings(grant, BRIDGES) }));
    await this.env.HOST.began(call);
    return worker.getEntrypoint().fetch(request);
  }

  async evaluate(code: WorkerLoaderWorkerCode, cpuMs: number, dispatchers: object, connectors: object, call: string): Promise<unknown> {
    await this.env.HOST.began(call);
    return evaluateIn(this.env.LOADER, code, cpuMs, dispatchers, connectors);
  }

  dropDatabase(projectId: string, testRun: string, binding: string): Promise<void> {
    return appDatabase(this.env.APP_DATABASES, projectId, testRun, binding).destroy();
  }

  inspectDatabase(projectId: string, binding: string, query: DatabaseQuery): Promise<DatabaseView | null> {
    return appDatabase(this.env.APP_DATABASES, projectId, undefined, binding).inspect(query);
  }
}

export { AppDatabase } from "../../project/app-database";

/** `env.KV` of a worker here: each call is the host's AppKV with the grant's props (which converts values and types). */
export class BridgeKV extends WorkerEntrypoint<HostEnv, SandboxProps> {
  get(key: string, type?: KvValueType | { type: KvValueType }) {
    return this.env.HOST.kvGet(this.ctx.props, key, type);
  }

  put(key: string, value: string | ArrayBuffer | ArrayBufferView, options?: KvPutOptions) {
    return this.env.HOST.kvPut(this.ctx.props, key, value, options);
  }

  delete(key: string) {
    return this.env.HOST.kvDelete(this.ctx.props, key);
  }

  list(options?: KvListOptions) {
    return this.env.HOST.kvList(this.ctx.props, options);
  }
}

/**
 * The app's D1 databases, kept in this process: the app's SQL runs here, so a
 * query without end stalls this process (which the supervisor restarts), never the API.
 */
export class BridgeD1 extends WorkerEntrypoint<HostEnv, SandboxProps> {
  query(binding: string, statements: D1Statement[], shape: "objects" | "raw") {
    return this.database(binding).query(statements, shape === "raw" ? "raw" : "objects");
  }

  exec(binding: string, script: string) {
    return this.database(binding).exec(String(script));
  }

  /** A test run's databases are noted by the host, to be dropped with the run. */
  async migrate(binding: string, migrations: { name: string; sql: string }[]) {
    if (this.ctx.props.testRun) await this.env.HOST.testDatabaseUsed(this.ctx.props, binding);
    return this.database(binding).migrate(migrations);
  }

  private database(binding: string) {
    return appDatabase(this.env.APP_DATABASES, this.ctx.props.projectId, this.ctx.props.testRun, binding);
  }
}

export class BridgeEgress extends WorkerEntrypoint<HostEnv, SandboxProps> {
  override fetch(request: Request): Promise<Response> {
    return this.env.HOST.egress(this.ctx.props, request);
  }
}

export class BridgeProgress extends WorkerEntrypoint<HostEnv, SandboxProps> {
  started(test: TestStart): Promise<void> {
    return this.env.HOST.testStarted(this.ctx.props, test);
  }
}

/** Log entries are made here (bounded per request, as in the host), so a flood never crosses the process boundary. */
export class BridgeTail extends WorkerEntrypoint<HostEnv, SandboxProps> {
  override async tail(events: TraceItem[]): Promise<void> {
    const entries = logEntriesFromTrace(events);
    if (entries.length > 0) await this.env.HOST.appendLogs(this.ctx.props, entries);
  }
}
