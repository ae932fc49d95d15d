import { exports, WorkerEntrypoint } from "cloudflare:workers";
import type { KvValueType } from "../project/app-kv";
import type { NewLogEntry } from "../project/project-logs";
import type { TestStart } from "../testing/sandbox/protocol";
import { callBegan } from "./remote";
import type { SandboxProps } from "./runtime";

/**
 * The host's side of the sandbox process (`npm start`): the bridges there
 * (host/worker.ts) call these with the props of the worker they serve, and
 * each call goes to the same entrypoint an in-process worker would reach.
 * Only the sandbox process holds a binding to it; no app ever does.
 */
export type KvPutOptions = { expiration?: number; expirationTtl?: number; metadata?: unknown };
export type KvListOptions = { prefix?: string; limit?: number; cursor?: string };

export class SandboxGateway extends WorkerEntrypoint<Env> {
  /** A call into the sandbox process is about to run its code (see RemoteSandbox). */
  began(call: string): void {
    callBegan(call);
  }

  kvGet(props: SandboxProps, key: string, type?: KvValueType | { type: KvValueType }) {
    return exports.AppKV({ props }).get(key, type);
  }

  kvPut(props: SandboxProps, key: string, value: string | ArrayBuffer | ArrayBufferView, options?: KvPutOptions) {
    return exports.AppKV({ props }).put(key, value, options);
  }

  kvDelete(props: SandboxProps, key: string) {
    return exports.AppKV({ props }).delete(key);
  }

  kvList(props: SandboxProps, options?: KvListOptions) {
    return exports.AppKV({ props }).list(options);
  }

  testDatabaseUsed(props: SandboxProps, binding: string) {
    return this.env.PROJECTS.get(this.env.PROJECTS.idFromName(props.projectId)).testDatabaseUsed(props.testRun ?? "", String(binding));
  }

  egress(props: SandboxProps, request: Request) {
    return exports.AppEgress({ props }).fetch(request);
  }

  testStarted(props: SandboxProps, test: TestStart) {
    return this.env.PROJECTS.get(this.env.PROJECTS.idFromName(props.projectId)).testStarted(props.testRun ?? "", test);
  }

  appendLogs(props: SandboxProps, entries: NewLogEntry[]) {
    return this.env.PROJECTS.get(this.env.PROJECTS.idFromName(props.projectId)).appendLogs(entries.slice(0, 5_000));
  }
}
