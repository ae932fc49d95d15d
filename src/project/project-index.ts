/**
 * The list of projects, in D1. Each project's data lives in its own Durable
 * Object; this table only answers "which projects exist" with paging, which
 * no single object could do at scale. `head` is a copy kept for listings:
 * the project's object is the source of truth and refreshes it after every
 * new version.
 */
export interface ProjectSummary {
  id: string;
  name: string;
  head: number;
  createdAt: string;
}

export interface ProjectPage {
  projects: ProjectSummary[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

// `seq` orders projects by creation (clocks can tie; a sequence cannot).
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS projects (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL,
     head INTEGER NOT NULL,
     created_at INTEGER NOT NULL)`,
];

const ready = new WeakMap<D1Database, Promise<unknown>>();

type Row = { seq: number; id: string; name: string; head: number; created_at: number };

/** How long after a new version the project list is checked against the object, and retried after a failure. */
export const LIST_REPAIR_DELAY_MS = 10_000;

export class ProjectIndex {
  constructor(private readonly db: D1Database) {}

  async add(project: { id: string; name: string; head: number; createdAt: number }): Promise<void> {
    await this.schema();
    await this.db
      .prepare("INSERT INTO projects (id, name, head, created_at) VALUES (?, ?, ?, ?)")
      .bind(project.id, project.name, project.head, project.createdAt)
      .run();
  }

  /** True if the project was listed. */
  async remove(id: string): Promise<boolean> {
    await this.schema();
    const result = await this.db.prepare("DELETE FROM projects WHERE id = ?").bind(id).run();
    return result.meta.changes > 0;
  }

  /** Raises the listed head; never lowers it, so late updates cannot go back in time. */
  async setHead(id: string, head: number): Promise<void> {
    await this.schema();
    await this.db.prepare("UPDATE projects SET head = ? WHERE id = ? AND head < ?").bind(head, id, head).run();
  }

  /**
   * Lists a project that is missing, and raises a stale head: the project's
   * own object calls this with what it holds, the source of truth.
   */
  async repair(project: { id: string; name: string; head: number; createdAt: number }): Promise<void> {
    await this.schema();
    await this.db
      .prepare(
        `INSERT INTO projects (id, name, head, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET head = excluded.head WHERE excluded.head > projects.head`,
      )
      .bind(project.id, project.name, project.head, project.createdAt)
      .run();
  }

  /**
   * The list-repair timer's task: repairs the listing, or says when to try
   * again (a failure is logged, never lost).
   */
  async repairOrRetry(project: { id: string; name: string; head: number; createdAt: number }): Promise<number | null> {
    try {
      await this.repair(project);
      return null;
    } catch (error) {
      console.error(`Could not repair the listing of ${project.id}; trying again later:`, error);
      return Date.now() + LIST_REPAIR_DELAY_MS;
    }
  }

  /** Newest first. `cursor` comes from a previous page's `nextCursor`. */
  async list(options: { limit: number; cursor?: string }): Promise<ProjectPage> {
    await this.schema();
    const before = options.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(options.cursor);
    if (before === undefined) throw new Error("Invalid cursor; check it with decodeCursor first.");
    const query = this.db.prepare("SELECT * FROM projects WHERE seq < ? ORDER BY seq DESC LIMIT ?").bind(before, options.limit + 1);
    const rows = (await query.all<Row>()).results;
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      projects: page.map((row) => ({
        id: row.id,
        name: row.name,
        head: row.head,
        createdAt: new Date(row.created_at).toISOString(),
      })),
      ...(rows.length > options.limit && last ? { nextCursor: encodeCursor(last) } : {}),
    };
  }

  private schema(): Promise<unknown> {
    let done = ready.get(this.db);
    if (!done) {
      done = this.db.batch(SCHEMA.map((statement) => this.db.prepare(statement)));
      done.catch(() => ready.delete(this.db));
      ready.set(this.db, done);
    }
    return done;
  }
}

/** Cursors are opaque to clients: the sequence number of the last project shown. */
function encodeCursor(row: Row): string {
  return btoa(`p${row.seq}`).replace(/=+$/, "");
}

/** The sequence number a cursor stands for, or undefined for a cursor this index did not make. */
export function decodeCursor(cursor: string): number | undefined {
  try {
    const match = /^p(\d{1,15})$/.exec(atob(cursor));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
