// The turn log's tables (turn-log.ts), made or brought up to date when a project's object opens.

/** The turn log's tables in the project's SQLite database. */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS turns (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    base INTEGER NOT NULL,
    usage TEXT NOT NULL,
    version INTEGER,
    error TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    phase TEXT NOT NULL DEFAULT 'model',
    in_step INTEGER NOT NULL DEFAULT 0,
    stuck TEXT,
    preview_url TEXT,
    budgets TEXT,
    timings TEXT
  );
  CREATE TABLE IF NOT EXISTS pending_tools (
    turn_id TEXT NOT NULL,
    tool_use_id TEXT NOT NULL,
    tree TEXT NOT NULL,
    PRIMARY KEY (turn_id, tool_use_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS turn_events (
    turn_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (turn_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS conversation (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    turn_id TEXT NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS tool_results (
    turn_id TEXT NOT NULL,
    tool_use_id TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (turn_id, tool_use_id)
  ) WITHOUT ROWID;
`;

/**
 * Databases made before tool calls were keyed by turn as well as by
 * `tool_use` id (a model may reuse an id in a later turn) get their tables
 * rebuilt with that key, rows kept.
 */
function keyToolCallsByTurn(sql: SqlStorage): void {
  for (const [table, column] of [
    ["pending_tools", "tree"],
    ["tool_results", "result"],
  ] as const) {
    const made = sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).toArray()[0];
    if (!made || made.sql.includes("PRIMARY KEY (turn_id, tool_use_id)")) continue;
    sql.exec(`ALTER TABLE ${table} RENAME TO ${table}_old`);
    sql.exec(SCHEMA);
    sql.exec(`INSERT INTO ${table} (turn_id, tool_use_id, ${column}) SELECT turn_id, tool_use_id, ${column} FROM ${table}_old`);
    sql.exec(`DROP TABLE ${table}_old`);
  }
}

/** Makes the tables, and rebuilds those of an older layout. */
export function openTurnTables(sql: SqlStorage): void {
  sql.exec(SCHEMA);
  keyToolCallsByTurn(sql);
}

/** A row of `turns`. */
export type TurnRow = {
  id: string;
  status: string;
  message: string;
  started_at: number;
  finished_at: number | null;
  base: number;
  usage: string;
  version: number | null;
  error: string | null;
  cancel_requested: number;
  phase: string;
  in_step: number;
  stuck: string | null;
  preview_url: string | null;
  budgets: string | null;
  timings: string | null;
};
