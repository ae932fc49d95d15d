/** The jobs a project's object runs from its alarm. */
export const TIMER_NAMES = ["list-repair", "turn-step"] as const;
export type TimerName = (typeof TIMER_NAMES)[number];

/**
 * Several timers on a Durable Object's one alarm: each timer is a row with
 * its due time, and the alarm is kept at the earliest. A timer stays due
 * until its job is done (`clear`), so a job cut short by a crash runs again
 * after the restart.
 */
export class Timers {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec("CREATE TABLE IF NOT EXISTS timers (name TEXT PRIMARY KEY, due INTEGER NOT NULL) WITHOUT ROWID");
  }

  /** Fires `name` at `due` (or earlier, if it was already set earlier). */
  async set(name: TimerName, due: number): Promise<void> {
    this.storage.sql.exec(
      "INSERT INTO timers (name, due) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET due = min(due, excluded.due)",
      name,
      due,
    );
    const alarm = await this.storage.getAlarm();
    if (alarm === null || alarm > due) await this.storage.setAlarm(due);
  }

  /** The timers due now, earliest first. */
  due(now = Date.now()): TimerName[] {
    return this.storage.sql
      .exec<{ name: string }>("SELECT name FROM timers WHERE due <= ? ORDER BY due", now)
      .toArray()
      .map((row) => row.name as TimerName);
  }

  /** Marks a timer's job done. */
  clear(name: TimerName): void {
    this.storage.sql.exec("DELETE FROM timers WHERE name = ?", name);
  }

  /**
   * Runs the jobs of the timers due now, earliest first. A job returns when
   * it wants to run again (or null); one that throws stays due. Stops when
   * `alive` turns false (the object's data was deleted meanwhile).
   */
  async run(jobs: Record<TimerName, () => Promise<number | null>>, alive: () => boolean): Promise<void> {
    for (const name of this.due()) {
      const again = await jobs[name]();
      if (!alive()) return;
      this.clear(name);
      if (again !== null) await this.set(name, again);
    }
    await this.rearm();
  }

  /** Sets the alarm for the earliest timer left, if any. */
  async rearm(): Promise<void> {
    const next = this.storage.sql.exec<{ due: number | null }>("SELECT min(due) AS due FROM timers").one().due;
    if (next !== null) await this.storage.setAlarm(next);
  }
}
