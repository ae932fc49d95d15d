import { WorkerEntrypoint } from "cloudflare:workers";
import { ownHostsFromEnv } from "../server-config";
import { applyEgressPolicy } from "../preview";
import type { KvValueType } from "./app-kv";
import { appDatabase, type D1Statement } from "./app-database";
import type { SandboxProps } from "../sandbox/runtime";
import type { TestStart } from "../testing/sandbox/protocol";
import { logEntriesFromTrace } from "./trace-logs";

/**
 * Capabilities handed to a project's dynamic workers as loopback bindings.
 * Their props (which project, which test run) are set by the host and never
 * visible to the app, so an app can reach only its own project's KV, logs and
 * allowed hosts. The sandbox process of `npm start` reaches the same
 * entrypoints through the SandboxGateway (src/sandbox/gateway.ts).
 */
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

/** Hears which test of a run starts, so a run stopped mid-test can say which. */
export class AppTestProgress extends WorkerEntrypoint<Env, SandboxProps> {
  started(test: TestStart): Promise<void> {
    return project(this.env, this.ctx.props).testStarted(this.ctx.props.testRun ?? "", test);
  }
}

/** Receives the console output and exceptions of each request the app served. */
export class AppTail extends WorkerEntrypoint<Env, SandboxProps> {
  override async tail(events: TraceItem[]): Promise<void> {
    const entries = logEntriesFromTrace(events);
    if (entries.length > 0) await project(this.env, this.ctx.props).appendLogs(entries);
  }
}

/** The app's D1 databases, by binding name (the environment module's D1 shim calls these; see bindings.ts). */
export class AppD1 extends WorkerEntrypoint<Env, SandboxProps> {
  query(binding: string, statements: D1Statement[], shape: "objects" | "raw") {
    return this.database(binding).query(statements, shape === "raw" ? "raw" : "objects");
  }

  exec(binding: string, script: string) {
    return this.database(binding).exec(String(script));
  }

  /** Called once per database before its first query; a test run's databases are noted, to be dropped with it. */
  async migrate(binding: string, migrations: { name: string; sql: string }[]) {
    const { testRun } = this.ctx.props;
    if (testRun) await project(this.env, this.ctx.props).testDatabaseUsed(testRun, binding);
    return this.database(binding).migrate(migrations);
  }

  private database(binding: string) {
    return appDatabase(this.env.APP_DATABASES, this.ctx.props.projectId, this.ctx.props.testRun, binding);
  }
}
