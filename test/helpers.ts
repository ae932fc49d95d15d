import { env, SELF } from "cloudflare:test";
import type { BuildOutput } from "../src/bundler";

/** A request to the API through the real Worker entry. */
export async function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set("Content-Type", "application/json");
  return SELF.fetch(`http://localhost:8787${path}`, {
    ...rest,
    headers,
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
}

/** How many times the fake registry (test/fake-network.ts) was asked for `name`'s packument so far. */
export async function packumentRequests(name: string): Promise<number> {
  const counts = await (await fetch("https://registry.npmjs.org/-/fake/requests")).json<Record<string, number>>();
  return counts[name] ?? 0;
}

export async function createProject(files?: Record<string, string>, name?: string): Promise<{ id: string; head: number }> {
  const res = await api("/api/projects", { method: "POST", json: { files, name } });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return res.json();
}

export async function commit(id: string, base: number, changes: unknown[], message?: string): Promise<Response> {
  return api(`/api/projects/${id}/commits`, { method: "POST", json: { base, changes, message } });
}

export async function expectError(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status} ${code}, got ${res.status}: ${text}`);
  const body = JSON.parse(text) as { error: Record<string, unknown> };
  if (body.error.code !== code) throw new Error(`expected code ${code}, got ${text}`);
  if (typeof body.error.message !== "string" || body.error.message.length === 0) throw new Error(`no message: ${text}`);
  return body.error;
}

/**
 * The draft's Workspace inside a project's object (for runInDurableObject):
 * tests edit it the way the agent's tools will.
 */
export function workspaceOf(instance: unknown): import("@cloudflare/shell").Workspace {
  return (instance as { parts: { store: { workspace: import("@cloudflare/shell").Workspace } } }).parts.store.workspace;
}

/** What a built worker answers to `GET /`, loaded as the preview loads it (Worker Loader). */
export async function answerOf(output: BuildOutput): Promise<string> {
  const worker = env.LOADER.get(`answer-${crypto.randomUUID()}`, () => ({
    compatibilityDate: output.compatibilityDate,
    compatibilityFlags: output.compatibilityFlags,
    mainModule: output.mainModule!,
    modules: output.modules,
  }));
  return (await worker.getEntrypoint().fetch("http://app/")).text();
}
