import { DurableObject } from "cloudflare:workers";

/**
 * One D1 database of an app (a `d1_databases` binding), in a SQLite-backed
 * Durable Object of its own: the app's SQL never runs in the project's own
 * database, whose tables it could read or drop. Named
 * `<project>/<live | test run id>/<binding>` (see AppD1 in entrypoints.ts).
 */
export class AppDatabase extends DurableObject<Env> {
  /** Statements of one `prepare()` call or one `batch()` (all or none, in one transaction), each with D1's result shape. */
  query(statements: D1Statement[], shape: "objects" | "raw"): D1Answer[] {
    const sql = this.ctx.storage.sql;
    const run = () => statements.map((statement) => this.one(sql, statement, shape));
    try {
      return statements.length === 1 ? run() : this.ctx.storage.transactionSync(run);
    } catch (error) {
      throw d1Error(error);
    }
  }

  /** D1's `exec`: statements separated by semicolons, without parameters. */
  exec(script: string): { count: number; duration: number } {
    const started = Date.now();
    try {
      const cursor = this.ctx.storage.sql.exec(script);
      cursor.toArray();
      return { count: script.split(";").filter((part) => part.trim() !== "").length, duration: Date.now() - started };
    } catch (error) {
      throw d1Error(error);
    }
  }

  /**
   * Applies the migrations not applied yet, in order, each in a transaction,
   * recorded in `d1_migrations` as wrangler records them. Returns the names applied now.
   */
  migrate(migrations: { name: string; sql: string }[]): string[] {
    const sql = this.ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS d1_migrations (
      id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`);
    const done = new Set(
      sql
        .exec<{ name: string }>("SELECT name FROM d1_migrations")
        .toArray()
        .map((row) => row.name),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      try {
        this.ctx.storage.transactionSync(() => {
          if (migration.sql.trim() !== "") sql.exec(migration.sql).toArray();
          sql.exec("INSERT INTO d1_migrations (name) VALUES (?)", migration.name);
        });
      } catch (error) {
        throw new Error(`D1 migration ${migration.name} failed: ${(error as Error).message}`);
      }
      applied.push(migration.name);
    }
    return applied;
  }

  /**
   * What the data view shows (GET /api/projects/:id/data): the tables with
   * their row counts, or one table's rows, a page at a time; null for a table
   * that does not exist.
   */
  inspect(query: { table?: string; offset?: number; limit?: number }): DatabaseView | null {
    const sql = this.ctx.storage.sql;
    const names = sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
      )
      .toArray()
      .map((row) => row.name);
    const count = (table: string) => sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoted(table)}`).one().n;
    if (query.table === undefined) return { tables: names.map((name) => ({ name, rows: count(name) })) };
    if (!names.includes(query.table)) return null;
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 100), 1), 1000);
    const offset = Math.max(Math.trunc(query.offset ?? 0), 0);
    const cursor = sql.exec(`SELECT * FROM ${quoted(query.table)} LIMIT ? OFFSET ?`, limit, offset);
    // A blob is shown by its size: JSON holds no bytes, and the view is for reading.
    const rows = [...cursor.raw()].map((row) =>
      row.map((value) => (value instanceof ArrayBuffer ? { blob: value.byteLength } : (value as string | number | null))),
    );
    return { table: query.table, columns: cursor.columnNames, rows, total: count(query.table), offset };
  }

  /** Deletes everything (a test run's database, when its run ends). */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  private one(sql: SqlStorage, { sql: text, params }: D1Statement, shape: "objects" | "raw"): D1Answer {
    const started = Date.now();
    const cursor = sql.exec(text, ...params);
    const results = shape === "raw" ? [...cursor.raw()] : cursor.toArray();
    const meta = sql.exec<{ id: number; changes: number }>("SELECT last_insert_rowid() AS id, changes() AS changes").one();
    const written = cursor.rowsWritten;
    return {
      success: true,
      results,
      columns: cursor.columnNames,
      meta: {
        duration: Date.now() - started,
        rows_read: cursor.rowsRead,
        rows_written: written,
        changes: written > 0 ? meta.changes : 0,
        last_row_id: meta.id,
        changed_db: written > 0,
        size_after: sql.databaseSize,
      },
    };
  }
}

export interface D1Statement {
  sql: string;
  params: (string | number | null | ArrayBuffer)[];
}

export interface D1Answer {
  success: true;
  results: unknown[];
  columns: string[];
  meta: Record<string, number | boolean>;
}

export type TableView = {
  table: string;
  columns: string[];
  rows: (string | number | null | { blob: number })[][];
  total: number;
  offset: number;
};
export type DatabaseView = { tables: { name: string; rows: number }[] } | TableView;

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** SQLite's message as D1 words it. */
function d1Error(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(message.startsWith("D1_") ? message : `D1_ERROR: ${message}`);
}

/** The name of an app's D1 binding: what names its database object. */
const D1_BINDING_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The database object of an app's D1 binding in `namespace`: the previews'
 * own, or a test run's (dropped when the run ends). Deployed and in tests
 * the host holds them; under `npm start` the sandbox process does, so a
 * query that never ends stalls that process (which is restarted), never the API.
 */
export function appDatabase(
  namespace: DurableObjectNamespace<AppDatabase>,
  projectId: string,
  testRun: string | undefined,
  binding: string,
) {
  if (!D1_BINDING_NAME.test(binding)) throw new Error(`Not a D1 binding name: ${binding}`);
  return namespace.get(namespace.idFromName(`${projectId}/${testRun ? `test/${testRun}` : "live"}/${binding}`));
}
