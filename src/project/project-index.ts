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

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS projects (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     head INTEGER NOT NULL,
     created_at INTEGER NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS projects_by_age ON projects (created_at DESC, id DESC)",
];

const ready = new WeakMap<D1Database, Promise<unknown>>();

type Row = { id: string; name: string; head: number; created_at: number };

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

  /** Newest first. `cursor` comes from a previous page's `nextCursor`. */
  async list(options: { limit: number; cursor?: string }): Promise<ProjectPage> {
    await this.schema();
    const after = options.cursor ? decodeCursor(options.cursor) : undefined;
    const query = after
      ? this.db
          .prepare(
            `SELECT * FROM projects WHERE created_at < ?1 OR (created_at = ?1 AND id < ?2)
             ORDER BY created_at DESC, id DESC LIMIT ?3`,
          )
          .bind(after.createdAt, after.id, options.limit + 1)
      : this.db.prepare("SELECT * FROM projects ORDER BY created_at DESC, id DESC LIMIT ?").bind(options.limit + 1);
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

function encodeCursor(row: Row): string {
  return btoa(`${row.created_at}:${row.id}`).replace(/=+$/, "");
}

/** Returns undefined for a cursor this index did not make. */
export function decodeCursor(cursor: string): { createdAt: number; id: string } | undefined {
  try {
    const [time, id] = atob(cursor).split(":");
    const createdAt = Number(time);
    if (!id || !Number.isSafeInteger(createdAt)) return undefined;
    return { createdAt, id };
  } catch {
    return undefined;
  }
}
