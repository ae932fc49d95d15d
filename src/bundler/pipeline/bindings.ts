import { D1_BINDING } from "../../sandbox/runtime";
/**
 * The bindings a project's wrangler config declares, as wrangler reads them,
 * and what a preview gives each: `vars` as they are, the first KV namespace
 * as the project's KV (under the name the app uses), and for every binding
 * Forge cannot provide yet a build warning at its line and, at run time, a
 * stand-in that throws an error naming it instead of a TypeError on undefined.
 */

/** One binding of the config: its name in `env`, what kind of thing it is, and the line that declares it. */
export interface DeclaredBinding {
  name: string;
  /** "D1 database", "R2 bucket", …: what errors call it. */
  kind: string;
  line?: number;
}

export interface ProjectBindings {
  /** `vars`: strings as they are, other values as JSON. */
  vars: Record<string, unknown>;
  /** The KV namespace bindings backed by the project's KV (the first declared). */
  kv: string[];
  /** D1 databases: each a SQLite database of the project's own, its migrations from `migrationsDir`. */
  d1: { name: string; migrationsDir: string }[];
  /** Declared bindings a preview does not provide yet. */
  unavailable: DeclaredBinding[];
  /** Settings a preview does not act on yet (queue consumers), for warnings. */
  unsupported: { setting: string; line?: number }[];
  /** `triggers.crons`: run on demand (POST /api/projects/:id/scheduled), never on a schedule. */
  crons: string[];
}

/** Top-level config keys whose entries are `{binding}` (or `{name}`) objects, and what each kind is called. */
const LISTS: [key: string, kind: string][] = [
  ["kv_namespaces", "KV namespace"],
  ["r2_buckets", "R2 bucket"],
  ["workflows", "Workflow"],
  ["services", "service binding"],
  ["vectorize", "Vectorize index"],
  ["hyperdrive", "Hyperdrive"],
  ["analytics_engine_datasets", "Analytics Engine dataset"],
  ["mtls_certificates", "mTLS certificate"],
  ["dispatch_namespaces", "dispatch namespace"],
  ["send_email", "email sending"],
  ["secrets_store_secrets", "Secrets Store secret"],
  ["pipelines", "Pipeline"],
];
/** Top-level config keys that are one `{binding}` object. */
const SINGLE: [key: string, kind: string][] = [
  ["ai", "Workers AI"],
  ["browser", "Browser Rendering"],
  ["images", "Images"],
  ["version_metadata", "version metadata"],
];

export const NO_BINDINGS: ProjectBindings = { vars: {}, kv: [], d1: [], unavailable: [], unsupported: [], crons: [] };

/** The bindings of a parsed wrangler config; `text` locates each (the line of its quoted name). */
export function readBindings(raw: Record<string, unknown>, text: string): ProjectBindings {
  const line = (offset: number) => text.slice(0, offset).split("\n").length;
  // A key as JSON (`"d1_databases":`) or TOML (`[[d1_databases]]`, `[[queues.producers]]`, `crons =`) writes it.
  const keyAt = (key: string) =>
    new RegExp(`["']${key}["']\\s*:|^[ \\t]*\\[{1,2}\\s*(?:[\\w-]+\\.)*${key}\\s*[\\].]|^[ \\t]*${key}\\s*=`, "m").exec(text)?.index;
  const lineOf = (name: string, section?: string): number | undefined => {
    const start = section === undefined ? 0 : (keyAt(section) ?? 0);
    for (const quote of ['"', "'"]) {
      const at = text.indexOf(`${quote}${name}${quote}`, start);
      if (at >= 0) return line(at);
    }
    const key = section === undefined ? undefined : keyAt(section);
    return key === undefined ? undefined : line(key);
  };
  const bindings: ProjectBindings = { vars: {}, kv: [], d1: [], unavailable: [], unsupported: [], crons: [] };
  const declare = (name: unknown, kind: string, section: string) => {
    if (typeof name !== "string" || name === "") return;
    const line = lineOf(name, section);
    if (kind === "KV namespace" && bindings.kv.length === 0) bindings.kv.push(name);
    else bindings.unavailable.push({ name, kind, ...(line ? { line } : {}) });
  };
  const entries = (value: unknown): Record<string, unknown>[] =>
    Array.isArray(value) ? value.filter((each): each is Record<string, unknown> => typeof each === "object" && each !== null) : [];

  if (typeof raw.vars === "object" && raw.vars !== null && !Array.isArray(raw.vars)) bindings.vars = { ...(raw.vars as object) };
  for (const entry of entries(raw.d1_databases)) {
    if (typeof entry.binding !== "string" || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(entry.binding)) continue;
    const dir = typeof entry.migrations_dir === "string" ? entry.migrations_dir : "migrations";
    bindings.d1.push({ name: entry.binding, migrationsDir: dir.replace(/^\.\//, "").replace(/\/+$/, "") });
  }
  for (const [key, kind] of LISTS) for (const entry of entries(raw[key])) declare(entry.binding ?? entry.name, kind, key);
  for (const [key, kind] of SINGLE) {
    const entry = raw[key] as Record<string, unknown> | undefined;
    if (typeof entry === "object" && entry !== null) declare(entry.binding, kind, key);
  }
  const objects = raw.durable_objects as { bindings?: unknown } | undefined;
  for (const entry of entries(objects?.bindings)) declare(entry.name, "Durable Object namespace", "durable_objects");
  const queues = raw.queues as { producers?: unknown; consumers?: unknown } | undefined;
  for (const entry of entries(queues?.producers)) declare(entry.binding, "Queue", "producers");
  const assets = raw.assets as { binding?: unknown } | undefined;
  if (typeof assets?.binding === "string") declare(assets.binding, "static assets binding", "assets");

  const setting = (name: string, key: string) => {
    const at = keyAt(key);
    bindings.unsupported.push({ setting: name, ...(at === undefined ? {} : { line: line(at) }) });
  };
  const crons = (raw.triggers as { crons?: unknown } | undefined)?.crons;
  if (Array.isArray(crons)) bindings.crons = crons.filter((cron): cron is string => typeof cron === "string");
  if (entries(queues?.consumers).length > 0) setting("queues.consumers (the queue handler is not run)", "consumers");
  return bindings;
}

/** The build's warnings for what a preview does not provide, each at its line in `file`. */
export function bindingWarnings(bindings: ProjectBindings, file: string): string[] {
  const at = (line: number | undefined) => (line === undefined ? file : `${file}:${line}`);
  return [
    ...bindings.unavailable.map(
      ({ name, kind, line }) =>
        `${at(line)}: env.${name} (${kind}) is not available in previews yet; using it throws an error that says so.`,
    ),
    ...bindings.unsupported.map(({ setting, line }) => `${at(line)}: ${setting} is not supported in previews yet.`),
  ];
}

export const ENVIRONMENT_MODULE = "__environment.js";

/**
 * D1's Workers API over the host's AppD1 (\`service\`): prepare/bind/first/
 * all/run/raw, batch (one transaction) and exec, with D1's result shapes and
 * errors. The database's migrations are applied before its first query.
 */
const D1_SHIM = `function d1Database(service, binding, migrations) {
  let ready;
  const call = async (method, ...args) => {
    ready ??= service.migrate(binding, migrations);
    await ready;
    return service[method](binding, ...args);
  };
  const param = (value) => {
    if (value === undefined) throw new Error("D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'");
    if (typeof value === "boolean") return value ? 1 : 0;
    if (ArrayBuffer.isView(value)) return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
    return value;
  };
  const shaped = ({ success, results, meta }) => ({ success, results, meta });
  const statement = (sql, params) => ({
    statement: { sql, params },
    bind: (...values) => statement(sql, values.map(param)),
    all: async () => shaped((await call("query", [{ sql, params }], "objects"))[0]),
    run: async () => shaped((await call("query", [{ sql, params }], "objects"))[0]),
    async first(column) {
      const row = (await call("query", [{ sql, params }], "objects"))[0].results[0];
      if (row === undefined) return null;
      if (column === undefined) return row;
      if (!(column in row)) throw new Error("D1_COLUMN_NOTFOUND: Column not found (" + column + ")");
      return row[column];
    },
    async raw(options) {
      const answer = (await call("query", [{ sql, params }], "raw"))[0];
      return options?.columnNames ? [answer.columns, ...answer.results] : answer.results;
    },
  });
  const database = {
    prepare: (sql) => statement(String(sql), []),
    batch: async (statements) => (await call("query", statements.map((each) => each.statement), "objects")).map(shaped),
    exec: (script) => call("exec", String(script)),
    withSession: () => database,
    dump() {
      throw new Error("D1_ERROR: dump() is not supported in previews.");
    },
  };
  return database;
}`;

/**
 * The `request.cf` field that asks the environment module to run the app's
 * `scheduled` handler with this cron instead of `fetch`. Only the host sets
 * `cf` on a request into the app (see VERSION_CF_FIELD), so no visitor can.
 */
export const SCHEDULED_CF_FIELD = "runScheduled";

/**
 * A module in front of the app's main module that gives every handler the
 * config's bindings: default-export objects (Hono apps too) and classes
 * (WorkerEntrypoint) get an `env` with the vars, the KV namespace under its
 * name, and the stand-ins. Named exports pass through as they are. A request
 * the host marks with SCHEDULED_CF_FIELD runs the `scheduled` handler and is
 * answered `{outcome, error?}`.
 */
export function environmentModule(
  main: string,
  bindings: ProjectBindings,
  /** Each D1 binding's migrations, in order: `<migrationsDir>/*.sql` by name. */
  migrations: Record<string, { name: string; sql: string }[]>,
): string {
  const spec = JSON.stringify(`./${main}`);
  const d1 = bindings.d1.map(({ name }) => [name, migrations[name] ?? []]);
  return `import app from ${spec};
export * from ${spec};
const VARS = ${JSON.stringify(bindings.vars)};
const KV = ${JSON.stringify(bindings.kv)};
const UNAVAILABLE = ${JSON.stringify(bindings.unavailable.map(({ name, kind }) => [name, kind]))};
const CRONS = ${JSON.stringify(bindings.crons)};
const D1 = ${JSON.stringify(d1)};
${D1_SHIM}
const standIn = (name, kind) => {
  const fail = () => { throw new Error("env." + name + " (" + kind + ") is not available in previews yet."); };
  return new Proxy(function () {}, { get: (_, key) => (key === "then" ? undefined : fail()), apply: fail, construct: fail });
};
const extended = new WeakMap();
function withBindings(env) {
  if (typeof env !== "object" || env === null) return env;
  let known = extended.get(env);
  if (!known) {
    const { ${D1_BINDING}: databases, ...own } = env;
    known = { ...own, ...VARS };
    for (const name of KV) if (env.KV) known[name] = env.KV;
    for (const [name, migrations] of D1) if (databases) known[name] = d1Database(databases, name, migrations);
    for (const [name, kind] of UNAVAILABLE) if (!(name in known)) known[name] = standIn(name, kind);
    extended.set(env, known);
  }
  return known;
}
const HANDLERS = ["fetch", "scheduled", "queue", "email", "tail", "trace"];
// An empty cron asks for the config's first.
async function runScheduled(handler, asked) {
  const cron = asked || CRONS[0] || "";
  if (typeof handler !== "function") return Response.json({ cron, outcome: "no_handler" });
  const controller = { cron, scheduledTime: Date.now(), type: "scheduled", noRetry() {} };
  try {
    await handler(controller);
    return Response.json({ cron, outcome: "ok" });
  } catch (error) {
    console.error(error);
    return Response.json({ cron, outcome: "exception", error: String(error?.stack ?? error).slice(0, 10000) });
  }
}
const cronOf = (request) => request?.cf?.${SCHEDULED_CF_FIELD};
let wrapped = app;
if (typeof app === "function") {
  wrapped = class extends app {
    constructor(ctx, env) {
      super(ctx, withBindings(env));
    }
    fetch(request) {
      const cron = cronOf(request);
      if (typeof cron === "string") return runScheduled(super.scheduled?.bind(this), cron);
      return super.fetch(request);
    }
  };
} else if (typeof app === "object" && app !== null) {
  wrapped = {};
  for (const name of HANDLERS)
    if (typeof app[name] === "function") wrapped[name] = (input, env, ctx) => app[name](input, withBindings(env), ctx);
  wrapped.fetch = (request, env, ctx) => {
    const cron = cronOf(request);
    if (typeof cron === "string")
      return runScheduled(typeof app.scheduled === "function" && ((controller) => app.scheduled(controller, withBindings(env), ctx)), cron);
    if (typeof app.fetch !== "function") throw new Error("The app's default export has no fetch handler.");
    return app.fetch(request, withBindings(env), ctx);
  };
}
export default wrapped;
`;
}
