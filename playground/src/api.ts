// The server's schemas, whose types this file imports, call String#isWellFormed (ES2024).
/// <reference lib="es2024.string" />
/** The playground's client of the public API (see /api/openapi.json): nothing here is private to the page. */
import type { z } from "zod";
import type * as buildRoutes from "../../src/http/routes/builds.routes";
import type * as dataRoutes from "../../src/http/routes/data.routes";
import type * as fileRoutes from "../../src/http/routes/files.routes";
import type * as historyRoutes from "../../src/http/routes/history.routes";
import type * as infoRoutes from "../../src/http/routes/info.routes";
import type * as projectRoutes from "../../src/http/routes/projects.routes";
import type * as settingsRoutes from "../../src/http/routes/settings.routes";
import type * as testRoutes from "../../src/http/routes/tests.routes";
import type * as turnRoutes from "../../src/http/routes/turns.routes";

type JsonContent<T extends z.ZodType> = { content: { "application/json": { schema: T } } };
/** What a route answers with `status`, from the server's route definition. */
type Answer<R, Status extends number = 200> = R extends { responses: Record<Status, JsonContent<infer T>> } ? z.output<T> : never;
/** The JSON body a route takes. */
type Body<R> = R extends { request: { body: JsonContent<infer T> } } ? z.input<T> : never;

export type Project = Answer<typeof projectRoutes.getProject>;
export type ProjectSummary = Answer<typeof projectRoutes.listProjects>["projects"][number];
export type Version = Answer<typeof historyRoutes.getVersion>;
export type FileEntry = Answer<typeof fileRoutes.listFiles>["files"][number];
export type DiffFile = Answer<typeof fileRoutes.diff>["files"][number];
export type BuildError = Answer<typeof buildRoutes.build>["errors"][number];
export type TestRun = Answer<typeof testRoutes.runTests>;
export type Turn = Answer<typeof turnRoutes.getTurn>;
export type ConversationEntry = Answer<typeof turnRoutes.getMessages>["messages"][number];
export type LogEntry = Answer<typeof settingsRoutes.getLogs>["entries"][number];
export type ServerInfo = Answer<typeof infoRoutes.getInfo>;
export type DataOverview = Answer<typeof dataRoutes.getData>;
export type DataKeys = Answer<typeof dataRoutes.getDataKv>;
export type DataTable = Answer<typeof dataRoutes.getDataTable>;
/** A version number or the draft. */
export type Ref = Answer<typeof fileRoutes.listFiles>["version"];

/** An API error: its code and message, as the API sends them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const TOKEN_KEY = "forge.apiToken";

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** How often a request the local dev server dropped while it restarted is sent again. */
const RESTART_RETRIES = 3;

/**
 * A request to the API. `retry` marks one that is safe to send again (a build or a
 * test run of the same tree, a chat whose repeat answers 409 with the running turn):
 * `wrangler dev` answers a non-GET request it dropped while restarting the Worker with
 * a plain-text 503 and `Retry-After`, asking for exactly that.
 */
async function call<T>(method: string, path: string, body?: unknown, { accept = "application/json", retry = false } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: accept };
  const saved = token.get();
  if (saved) headers.Authorization = `Bearer ${saved}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  for (let attempt = 0; ; attempt++) {
    try {
      res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch {
      throw new ApiError(0, "unreachable", "The server does not answer. Is `npm start` still running?");
    }
    const restarted = res.status === 503 && res.headers.has("Retry-After") && !res.headers.get("Content-Type")?.includes("json");
    if (!retry || !restarted || attempt === RESTART_RETRIES) break;
    await new Promise((resolve) => setTimeout(resolve, 250 * (attempt + 1)));
  }
  if (res.status === 204) return undefined as T;
  if (!res.ok) {
    const error = ((await res.json().catch(() => ({}))) as { error?: { code: string; message: string } & Record<string, unknown> }).error;
    throw new ApiError(res.status, error?.code ?? "error", error?.message ?? `${method} ${path} answered ${res.status}.`, error ?? {});
  }
  return (accept === "application/json" ? res.json() : res.text()) as Promise<T>;
}

/** A project's API path; every segment taken from data (ids, cursors) is encoded, so none can add a segment or a query. */
const p = (id: string) => `/api/projects/${encodeURIComponent(id)}`;
const segment = encodeURIComponent;

export const api = {
  info: () => call<ServerInfo>("GET", "/api/info"),
  projects: () => call<Answer<typeof projectRoutes.listProjects>>("GET", "/api/projects?limit=100"),
  project: (id: string) => call<Project>("GET", p(id)),
  create: (name: string, files?: Record<string, string>) =>
    call<Answer<typeof projectRoutes.createProject, 201>>("POST", "/api/projects", { name, ...(files ? { files } : {}) } satisfies Body<
      typeof projectRoutes.createProject
    >),
  remove: (id: string) => call<void>("DELETE", p(id)),
  versions: (id: string) => call<Answer<typeof historyRoutes.listVersions>>("GET", `${p(id)}/versions`),
  files: (id: string, ref: Ref) => call<Answer<typeof fileRoutes.listFiles>>("GET", `${p(id)}/files?version=${ref}`),
  file: (id: string, ref: Ref, path: string) =>
    call<string>("GET", `${p(id)}/files/${path.split("/").map(encodeURIComponent).join("/")}?version=${ref}`, undefined, { accept: "*/*" }),
  commit: (id: string, base: number, path: string, content: string) =>
    call<Answer<typeof historyRoutes.commit, 200 | 201>>("POST", `${p(id)}/commits`, {
      base,
      message: `Edit ${path}`,
      changes: [{ op: "put", path, content }],
    } satisfies Body<typeof historyRoutes.commit>),
  restore: (id: string, version: number) =>
    call<Answer<typeof historyRoutes.restore, 200 | 201>>("POST", `${p(id)}/restore`, { version } satisfies Body<
      typeof historyRoutes.restore
    >),
  diff: (id: string, from: Ref | 0, to: Ref) =>
    call<Answer<typeof fileRoutes.diff>>("GET", `${p(id)}/diff?from=${from}&to=${to}&format=json`),
  build: (id: string, version: Ref) =>
    call<Answer<typeof buildRoutes.build>>("POST", `${p(id)}/builds`, { version } satisfies Body<typeof buildRoutes.build>, {
      retry: true,
    }),
  test: (id: string) => call<TestRun>("POST", `${p(id)}/test`, {} satisfies Body<typeof testRoutes.runTests>, { retry: true }),
  data: (id: string) => call<DataOverview>("GET", `${p(id)}/data`),
  dataKeys: (id: string, cursor?: string) =>
    call<DataKeys>("GET", `${p(id)}/data/kv?limit=100${cursor ? `&cursor=${segment(cursor)}` : ""}`),
  dataTable: (id: string, binding: string, table: string, offset: number) =>
    call<DataTable>("GET", `${p(id)}/data/d1/${segment(binding)}/${segment(table)}?limit=100&offset=${offset}`),
  logs: (id: string, after?: string) =>
    call<Answer<typeof settingsRoutes.getLogs>>("GET", `${p(id)}/logs${after ? `?after=${segment(after)}` : ""}`),
  chat: (id: string, message: string) =>
    call<Answer<typeof turnRoutes.chat, 202>>("POST", `${p(id)}/chat`, { message } satisfies Body<typeof turnRoutes.chat>, {
      retry: true,
    }),
  turn: (id: string, turnId: string) => call<Turn>("GET", `${p(id)}/turns/${segment(turnId)}`),
  cancel: (id: string, turnId: string) =>
    call<Answer<typeof turnRoutes.cancelTurn, 202>>("POST", `${p(id)}/turns/${segment(turnId)}/cancel`),
  messages: (id: string) => call<Answer<typeof turnRoutes.getMessages>>("GET", `${p(id)}/messages`),
};

/** The preview origin of a project's version (or head, or draft), from the project's own previewUrl. */
export function previewOf(project: Project, ref: Ref | "head"): string {
  const url = new URL(project.previewUrl);
  const [label, ...rest] = url.hostname.split(".");
  url.hostname = [ref === "head" ? label : ref === "draft" ? `${label}--draft` : `${label}--v${ref}`, ...rest].join(".");
  return url.toString();
}
