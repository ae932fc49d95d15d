// The worker of the sandbox process that `npm start` runs beside the API
// (scripts/sandbox-supervisor.mjs): it loads projects' workers with its own
// Worker Loader, so their code runs on this process's thread, never the
// API's. Bindings of those workers are bridges back to the host's
// SandboxGateway, with the grant's props.
import { exports, WorkerEntrypoint } from "cloudflare:workers";
import type { KvValueType } from "../../project/app-kv";
import { logEntriesFromTrace } from "../../project/trace-logs";
import type { SandboxGateway } from "../gateway";
import { evaluateIn } from "../in-process";
import { grantBindings, type GrantEntrypoints, type SandboxCode, type SandboxGrant, type SandboxProps } from "../runtime";

interface HostEnv {
  LOADER: WorkerLoader;
  HOST: Service<SandboxGateway>;
  /** How many times the supervisor started this process (1 for the first). */
  GENERATION: string;
  /** Why the previous process was stopped (JSON of `SandboxStop`), or "" for the first. */
  LAST_STOP: string;
}

/** Why the supervisor stopped a sandbox process. */
export interface SandboxStop {
  kind: "stalled" | "memory" | "exited";
  /** How long the process went without answering (stalled), or its memory in MB (memory), or the exit code or signal. */
  detail: string;
  at: number;
}

// `exports` is typed for the host Worker's module (env.d.ts); this module's own entrypoints are the bridges below.
const own = exports as unknown as Record<"BridgeKV" | "BridgeEgress" | "BridgeTail", (options: { props: SandboxProps }) => Fetcher>;
const BRIDGES: GrantEntrypoints = {
  kv: (props) => own.BridgeKV(props),
  egress: (props) => own.BridgeEgress(props),
  tail: (props) => own.BridgeTail(props),
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

  /** `code` is called back only when this process does not hold the worker yet. */
  fetchWorker(id: string, grant: SandboxGrant, request: Request, code: () => Promise<SandboxCode>): Promise<Response> {
    const worker = this.env.LOADER.get(id, async () => ({ ...(await code()), ...grantBindings(grant, BRIDGES) }));
    return worker.getEntrypoint().fetch(request);
  }

  evaluate(code: WorkerLoaderWorkerCode, cpuMs: number, dispatchers: object, connectors: object): Promise<unknown> {
    return evaluateIn(this.env.LOADER, code, cpuMs, dispatchers, connectors);
  }
}

export class BridgeKV extends WorkerEntrypoint<HostEnv, SandboxProps> {
  get(key: string, type: KvValueType | { type: KvValueType } = "text") {
    return this.env.HOST.kvGet(this.ctx.props, key, typeof type === "string" ? type : type.type);
  }

  put(
    key: string,
    value: string | ArrayBuffer | ArrayBufferView,
    options?: { expiration?: number; expirationTtl?: number; metadata?: unknown },
  ) {
    const bytes =
      typeof value === "string" || value instanceof ArrayBuffer
        ? value
        : new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice().buffer;
    return this.env.HOST.kvPut(this.ctx.props, key, bytes, options);
  }

  delete(key: string) {
    return this.env.HOST.kvDelete(this.ctx.props, key);
  }

  list(options?: { prefix?: string; limit?: number; cursor?: string }) {
    return this.env.HOST.kvList(this.ctx.props, options);
  }
}

export class BridgeEgress extends WorkerEntrypoint<HostEnv, SandboxProps> {
  override fetch(request: Request): Promise<Response> {
    return this.env.HOST.egress(this.ctx.props, request);
  }
}

/** Log entries are made here (bounded per request, as in the host), so a flood never crosses the process boundary. */
export class BridgeTail extends WorkerEntrypoint<HostEnv, SandboxProps> {
  override async tail(events: TraceItem[]): Promise<void> {
    const entries = logEntriesFromTrace(events);
    if (entries.length > 0) await this.env.HOST.appendLogs(this.ctx.props, entries);
  }
}
