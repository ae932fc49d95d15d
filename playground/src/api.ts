/** The playground's client of the public API (see /api/openapi.json): nothing here is private to the page. */

export interface Project {
  id: string;
  name: string;
  head: number;
  createdAt: string;
  previewUrl?: string;
  turn?: { id: string; status: string };
}

export interface Version {
  id: number;
  parent: number | null;
  message: string;
  author: "user" | "agent";
  createdAt: string;
  stats: { added: number; modified: number; deleted: number };
}

export interface FileEntry {
  path: string;
  size: number;
  hash: string;
}

export interface DiffFile {
  path: string;
  oldPath?: string;
  status: "added" | "modified" | "deleted" | "renamed";
  binary: boolean;
  additions: number;
  deletions: number;
  hunks: { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] }[];
}

export interface BuildError {
  file?: string;
  line?: number;
  column?: number;
  message: string;
}

export interface TestRun {
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
  results: { file: string; name: string; ok: boolean; error?: string; location?: { file: string; line: number; column: number } }[];
  buildErrors?: BuildError[];
}

export interface Turn {
  id: string;
  status: string;
  message: string;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; modelCalls: number };
  version?: number;
  error?: string;
  /** The turn's event stream, with its own access token when the server has API_TOKEN. */
  eventsUrl: string;
}

export type ConversationEntry =
  | { turnId: string; role: "user" | "assistant"; text: string }
  | { turnId: string; role: "tool"; id: string; name: string; input: unknown; ok: boolean | null; summary: string };

export interface ServerInfo {
  model: string | null;
}

export type Ref = number | "draft";

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

async function call<T>(method: string, path: string, body?: unknown, accept = "application/json"): Promise<T> {
  const headers: Record<string, string> = { Accept: accept };
  const saved = token.get();
  if (saved) headers.Authorization = `Bearer ${saved}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError(0, "unreachable", "The server does not answer. Is `npm start` still running?");
  }
  if (res.status === 204) return undefined as T;
  if (!res.ok) {
    const error = ((await res.json().catch(() => ({}))) as { error?: { code: string; message: string } & Record<string, unknown> }).error;
    throw new ApiError(res.status, error?.code ?? "error", error?.message ?? `${method} ${path} answered ${res.status}.`, error ?? {});
  }
  return (accept === "application/json" ? res.json() : res.text()) as Promise<T>;
}

const p = (id: string) => `/api/projects/${id}`;

export const api = {
  info: () => call<ServerInfo>("GET", "/api/info"),
  projects: () => call<{ projects: Project[] }>("GET", "/api/projects?limit=100"),
  project: (id: string) => call<Project>("GET", p(id)),
  create: (name: string, files?: Record<string, string>) => call<Project>("POST", "/api/projects", { name, ...(files ? { files } : {}) }),
  remove: (id: string) => call<void>("DELETE", p(id)),
  versions: (id: string) => call<{ versions: Version[] }>("GET", `${p(id)}/versions`),
  files: (id: string, ref: Ref) => call<{ files: FileEntry[] }>("GET", `${p(id)}/files?version=${ref}`),
  file: (id: string, ref: Ref, path: string) => call<string>("GET", `${p(id)}/files/${path.split("/").map(encodeURIComponent).join("/")}?version=${ref}`, undefined, "*/*"),
  commit: (id: string, base: number, path: string, content: string) =>
    call<{ version: number }>("POST", `${p(id)}/commits`, { base, message: `Edit ${path}`, changes: [{ op: "put", path, content }] }),
  restore: (id: string, version: number) => call<{ version: number }>("POST", `${p(id)}/restore`, { version }),
  diff: (id: string, from: Ref | 0, to: Ref) => call<{ files: DiffFile[] }>("GET", `${p(id)}/diff?from=${from}&to=${to}&format=json`),
  build: (id: string, version: Ref) => call<{ ok: boolean; errors: BuildError[]; previewUrl?: string }>("POST", `${p(id)}/builds`, { version }),
  test: (id: string) => call<TestRun>("POST", `${p(id)}/test`, {}),
  logs: (id: string, after?: string) =>
    call<{ entries: { ts: string; version: string; level: string; message: string }[]; cursor: string }>("GET", `${p(id)}/logs${after ? `?after=${after}` : ""}`),
  chat: (id: string, message: string) => call<{ turnId: string; eventsUrl: string }>("POST", `${p(id)}/chat`, { message }),
  turn: (id: string, turnId: string) => call<Turn>("GET", `${p(id)}/turns/${turnId}`),
  cancel: (id: string, turnId: string) => call<Turn>("POST", `${p(id)}/turns/${turnId}/cancel`),
  messages: (id: string) => call<{ messages: ConversationEntry[] }>("GET", `${p(id)}/messages`),
};

/** The preview origin of a project's version (or head, or draft), from the project's own previewUrl. */
export function previewOf(project: Project, ref: Ref | "head"): string {
  const url = new URL(project.previewUrl ?? `${location.protocol}//${project.id}.preview.${location.host}/`);
  const [label, ...rest] = url.hostname.split(".");
  url.hostname = [ref === "head" ? label : ref === "draft" ? `${label}--draft` : `${label}--v${ref}`, ...rest].join(".");
  return url.toString();
}
