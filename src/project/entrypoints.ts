import { WorkerEntrypoint } from "cloudflare:workers";
import { ownHostsFromEnv } from "../server-config";
import { applyEgressPolicy, VERSION_CF_FIELD } from "../preview";
import type { KvValueType } from "./app-kv";
import { LOG_LEVELS, type NewLogEntry } from "./project-logs";

/**
 * Capabilities handed to a project's dynamic workers as loopback bindings.
 * Their props (which project, which test run) are set by the host and never
 * visible to the app, so an app can reach only its own project's KV, logs and
 * allowed hosts.
 */
export interface SandboxProps {
  projectId: string;
  /** Set for a test run's sandbox: its `env.KV` is that run's own, not the previews' data. */
  testRun?: string;
}

function project(env: Env, props: SandboxProps) {
  return env.PROJECTS.get(env.PROJECTS.idFromName(props.projectId));
}

/** The app's only way out: every fetch of the app arrives here. */
export class AppEgress extends WorkerEntrypoint<Env, SandboxProps> {
  override async fetch(request: Request): Promise<Response> {
    const policy = await project(this.env, this.ctx.props).egressPolicy();
    return fetch(applyEgressPolicy(policy, request, ownHostsFromEnv(this.env)));
  }
}

/** `env.KV` of the app, with the Workers KV method shapes. */
export class AppKV extends WorkerEntrypoint<Env, SandboxProps> {
  get(key: string, type: KvValueType | { type: KvValueType } = "text") {
    return project(this.env, this.ctx.props).kvGet(key, typeof type === "string" ? type : type.type, this.ctx.props.testRun);
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
    return project(this.env, this.ctx.props).kvPut(key, bytes, options, this.ctx.props.testRun);
  }

  delete(key: string) {
    return project(this.env, this.ctx.props).kvDelete(key, this.ctx.props.testRun);
  }

  list(options?: { prefix?: string; limit?: number; cursor?: string }) {
    return project(this.env, this.ctx.props).kvList(options, this.ctx.props.testRun);
  }
}

/** Receives the console output and exceptions of each request the app served. */
/**
 * Most log lines kept from one request of the app, and the characters kept
 * of one: an app that logs in a loop costs the host a bounded amount of
 * work per request, and the log says what was left out.
 */
const MAX_LINES_PER_REQUEST = 1_000;
const MAX_LINE_CHARS = 10_000;

export class AppTail extends WorkerEntrypoint<Env, SandboxProps> {
  override async tail(events: TraceItem[]): Promise<void> {
    const entries: NewLogEntry[] = [];
    for (const event of events) {
      const request = (event.event as { request?: { url?: string; cf?: Record<string, unknown> } } | null)?.request;
      const url = request?.url;
      // One isolate serves every version with the same server code: the host names the version per request.
      const version = String(request?.cf?.[VERSION_CF_FIELD] ?? "unknown");
      for (const log of event.logs.slice(0, MAX_LINES_PER_REQUEST)) {
        const level = LOG_LEVELS.find((known) => known === log.level && known !== "exception") ?? "log";
        entries.push({ ts: log.timestamp, version, level, message: format(log.message), ...(url ? { url } : {}) });
      }
      const dropped = event.logs.length - MAX_LINES_PER_REQUEST;
      if (dropped > 0) {
        entries.push({
          ts: event.logs.at(-1)!.timestamp,
          version,
          level: "warn",
          message: `${dropped} more log lines of this request were not kept (at most ${MAX_LINES_PER_REQUEST} per request).`,
          ...(url ? { url } : {}),
        });
      }
      for (const exception of event.exceptions) {
        entries.push({
          ts: exception.timestamp,
          version,
          level: "exception",
          message: `${exception.name}: ${exception.message}`,
          ...(url ? { url } : {}),
        });
      }
    }
    if (entries.length > 0) await project(this.env, this.ctx.props).appendLogs(entries);
  }
}

function format(message: unknown): string {
  const parts = Array.isArray(message) ? message : [message];
  let text = "";
  for (const part of parts) {
    text += `${text ? " " : ""}${typeof part === "string" ? part.slice(0, MAX_LINE_CHARS) : String(JSON.stringify(part)).slice(0, MAX_LINE_CHARS)}`;
    if (text.length >= MAX_LINE_CHARS) return text.slice(0, MAX_LINE_CHARS);
  }
  return text;
}
