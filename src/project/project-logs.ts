/** Console output and uncaught exceptions of a project's preview workers, newest kept. */
export const LOG_LEVELS = ["log", "info", "warn", "error", "exception"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogEntry {
  ts: string;
  version: string;
  level: LogLevel;
  message: string;
  url?: string;
}

/** An entry as the tail reports it: time in epoch milliseconds. */
export type NewLogEntry = Omit<LogEntry, "ts"> & { ts: number };

const KEEP = 5_000;
const PAGE = 500;

export class ProjectLogs {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS logs (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, version TEXT NOT NULL,
      level TEXT NOT NULL, message TEXT NOT NULL, url TEXT)`);
  }

  append(entries: NewLogEntry[]): void {
    // Only the newest KEEP would stay anyway.
    for (const entry of entries.slice(-KEEP)) {
      this.sql.exec(
        "INSERT INTO logs (ts, version, level, message, url) VALUES (?, ?, ?, ?, ?)",
        entry.ts,
        entry.version,
        entry.level,
        entry.message.slice(0, 10_000),
        entry.url ?? null,
      );
    }
    this.sql.exec("DELETE FROM logs WHERE seq <= (SELECT MAX(seq) FROM logs) - ?", KEEP);
  }

  /** Entries after `cursor` (oldest first), optionally of one version; `cursor` to pass next time. */
  list(options: { after?: number; version?: string }): { entries: LogEntry[]; cursor: string } {
    const rows = this.sql
      .exec<{ seq: number; ts: number; version: string; level: LogLevel; message: string; url: string | null }>(
        `SELECT * FROM logs WHERE seq > ? AND (? IS NULL OR version = ?) ORDER BY seq LIMIT ?`,
        options.after ?? 0,
        options.version ?? null,
        options.version ?? null,
        PAGE,
      )
      .toArray();
    const last = rows.at(-1)?.seq ?? options.after ?? this.lastSeq();
    return {
      entries: rows.map((row) => ({
        ts: new Date(row.ts).toISOString(),
        version: row.version,
        level: row.level,
        message: row.message,
        ...(row.url !== null ? { url: row.url } : {}),
      })),
      cursor: String(last),
    };
  }

  private lastSeq(): number {
    return this.sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM logs").toArray()[0]?.seq ?? 0;
  }
}
