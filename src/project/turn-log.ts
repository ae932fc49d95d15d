import type { TurnBudgets } from "../server-config";
import { NotFoundError, StoreError } from "../store";
import { ProjectError } from "./project-errors";
import { openTurnTables, type TurnRow } from "./turn-schema";
import {
  type ConversationMessage,
  type FinalStatus,
  NO_USAGE,
  type TurnEvent,
  type TurnEventType,
  type TurnInfo,
  type TurnState,
  type TurnStatus,
  type TurnTimings,
  type TurnUsage,
} from "./turn-types";

export * from "./turn-types";

/**
 * The record of a project's agent turns in its SQLite database: each turn,
 * its numbered events (what the stream replays), the conversation the model
 * sees across turns, and each tool call's result keyed by its turn and its
 * `tool_use` id (so a resumed turn never runs a recorded call again, and an id
 * reused in a later turn is a new call). Synchronous SQL
 * only, so callers can use it inside a storage transaction.
 */
export class TurnLog {
  /** Wakes the readers waiting for a turn's next events. */
  private readonly waiters = new Map<string, Set<() => void>>();
  /** The project was deleted: readers waiting for events are told so. */
  private closed = false;

  constructor(private readonly sql: SqlStorage) {
    openTurnTables(sql);
  }

  /** The running turn, if any. */
  running(): TurnInfo | undefined {
    const row = this.rows("SELECT * FROM turns WHERE status = 'running' ORDER BY seq DESC LIMIT 1")[0];
    return row && toInfo(row);
  }

  /** Starts a turn; `turn_in_progress` while another runs. */
  start(id: string, message: string, base: number, options: { previewUrl?: string; budgets?: Partial<TurnBudgets> } = {}): TurnInfo {
    const running = this.running();
    if (running)
      throw new ProjectError("turn_in_progress", `Turn ${running.id} is still running; wait for it or cancel it.`, { turnId: running.id });
    this.sql.exec(
      "INSERT INTO turns (id, status, message, started_at, base, usage, preview_url, budgets) VALUES (?, 'running', ?, ?, ?, ?, ?, ?)",
      id,
      message,
      Date.now(),
      base,
      JSON.stringify(NO_USAGE),
      options.previewUrl ?? null,
      JSON.stringify(options.budgets ?? {}),
    );
    this.append(id, "turn.started", { message });
    return this.get(id);
  }

  get(id: string): TurnInfo {
    return toInfo(this.row(id));
  }

  state(id: string): TurnState {
    const row = this.row(id);
    return {
      phase: row.phase as TurnState["phase"],
      interrupted: row.in_step === 1,
      stuck: row.stuck ? (JSON.parse(row.stuck) as TurnState["stuck"]) : null,
      previewUrl: row.preview_url === null ? null : withoutAccessToken(row.preview_url),
      budgets: row.budgets ? (JSON.parse(row.budgets) as Partial<TurnBudgets>) : {},
      startedAt: row.started_at,
    };
  }

  setPhase(id: string, phase: TurnState["phase"]): void {
    this.sql.exec("UPDATE turns SET phase = ? WHERE id = ?", phase, id);
  }

  /** Marks a step as begun (true) or ended (false). */
  markStep(id: string, running: boolean): void {
    this.sql.exec("UPDATE turns SET in_step = ? WHERE id = ?", running ? 1 : 0, id);
  }

  setStuck(id: string, stuck: TurnState["stuck"]): void {
    this.sql.exec("UPDATE turns SET stuck = ? WHERE id = ?", stuck ? JSON.stringify(stuck) : null, id);
  }

  /**
   * Marks a tool call as under way until its result is recorded: with the
   * draft's tree before it when it edits the draft outside editDraft
   * (execute), or "" when it keeps none (build_and_test).
   */
  setPending(turnId: string, toolUseId: string, tree: string): void {
    this.sql.exec("INSERT OR REPLACE INTO pending_tools (turn_id, tool_use_id, tree) VALUES (?, ?, ?)", turnId, toolUseId, tree);
  }

  pending(turnId: string, toolUseId: string): string | undefined {
    return this.sql
      .exec<{ tree: string }>("SELECT tree FROM pending_tools WHERE turn_id = ? AND tool_use_id = ?", turnId, toolUseId)
      .toArray()[0]?.tree;
  }

  /** The turn's interrupted calls: their tool ids and the trees to restore ("" for none). */
  pendingOf(turnId: string): { toolUseId: string; tree: string }[] {
    return this.sql
      .exec<{ tool_use_id: string; tree: string }>("SELECT tool_use_id, tree FROM pending_tools WHERE turn_id = ?", turnId)
      .toArray()
      .map((row) => ({ toolUseId: row.tool_use_id, tree: row.tree }));
  }

  clearPending(turnId: string, toolUseId: string): void {
    this.sql.exec("DELETE FROM pending_tools WHERE turn_id = ? AND tool_use_id = ?", turnId, toolUseId);
  }

  /** The version the turn started from. */
  base(id: string): number {
    return this.row(id).base;
  }

  /** Newest first. */
  list(): TurnInfo[] {
    return this.rows("SELECT * FROM turns ORDER BY seq DESC").map(toInfo);
  }

  append(turnId: string, type: TurnEventType, data: Record<string, unknown>): TurnEvent {
    const last = this.sql.exec<{ seq: number }>("SELECT max(seq) AS seq FROM turn_events WHERE turn_id = ?", turnId).one().seq ?? 0;
    const event = { seq: last + 1, type, data };
    this.sql.exec("INSERT INTO turn_events (turn_id, seq, type, data) VALUES (?, ?, ?, ?)", turnId, event.seq, type, JSON.stringify(data));
    for (const wake of this.waiters.get(turnId) ?? []) wake();
    return event;
  }

  /** Events after `after`, oldest first. */
  events(turnId: string, after = 0): TurnEvent[] {
    return this.sql
      .exec<{ seq: number; type: string; data: string }>(
        "SELECT seq, type, data FROM turn_events WHERE turn_id = ? AND seq > ? ORDER BY seq",
        turnId,
        after,
      )
      .toArray()
      .map((row) => ({ seq: row.seq, type: row.type as TurnEventType, data: JSON.parse(row.data) as Record<string, unknown> }));
  }

  /** Resolves when an event after `after` exists, or after `timeoutMs`. */
  async waitForEvents(turnId: string, after: number, timeoutMs: number): Promise<TurnEvent[]> {
    const ready = this.events(turnId, after);
    if (ready.length > 0 || this.get(turnId).status !== "running") return ready;
    await new Promise<void>((resolve) => {
      const waiters = this.waiters.get(turnId) ?? new Set();
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0) this.waiters.delete(turnId);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      waiters.add(wake);
      this.waiters.set(turnId, waiters);
    });
    if (this.closed) throw new NotFoundError("The project was deleted.");
    return this.events(turnId, after);
  }

  /** The project is being deleted: every reader waiting for a turn's events wakes at once and is told. */
  close(): void {
    this.closed = true;
    for (const waiters of [...this.waiters.values()]) for (const wake of [...waiters]) wake();
  }

  addUsage(turnId: string, usage: TurnUsage): TurnUsage {
    const current = JSON.parse(this.row(turnId).usage) as TurnUsage;
    const total = Object.fromEntries(
      Object.entries(current).map(([key, value]) => [key, value + usage[key as keyof TurnUsage]]),
    ) as unknown as TurnUsage;
    this.sql.exec("UPDATE turns SET usage = ? WHERE id = ?", JSON.stringify(total), turnId);
    return total;
  }

  addTimings(turnId: string, add: Partial<TurnTimings>): void {
    const current = this.get(turnId).timings;
    const total: TurnTimings = {
      steps: current.steps + (add.steps ?? 0),
      modelMs: current.modelMs + (add.modelMs ?? 0),
      toolMs: current.toolMs + (add.toolMs ?? 0),
    };
    this.sql.exec("UPDATE turns SET timings = ? WHERE id = ?", JSON.stringify(total), turnId);
  }

  requestCancel(turnId: string): void {
    this.row(turnId);
    this.sql.exec("UPDATE turns SET cancel_requested = 1 WHERE id = ? AND status = 'running'", turnId);
  }

  cancelRequested(turnId: string): boolean {
    return this.row(turnId).cancel_requested === 1;
  }

  /** Marks the turn finished (once) and appends `turn.finished`. */
  finish(turnId: string, outcome: { status: FinalStatus; version?: number; error?: string }): TurnInfo {
    const turn = this.get(turnId);
    if (turn.status !== "running") return turn;
    this.sql.exec(
      "UPDATE turns SET status = ?, finished_at = ?, version = ?, error = ? WHERE id = ?",
      outcome.status,
      Date.now(),
      outcome.version ?? null,
      outcome.error ?? null,
      turnId,
    );
    const finished = this.get(turnId);
    this.append(turnId, "turn.finished", {
      status: outcome.status,
      ...(outcome.version !== undefined ? { version: outcome.version } : {}),
      usage: finished.usage,
      ...(outcome.error ? { error: outcome.error } : {}),
    });
    return finished;
  }

  addMessage(message: ConversationMessage): void {
    this.sql.exec(
      "INSERT INTO conversation (turn_id, role, content) VALUES (?, ?, ?)",
      message.turnId,
      message.role,
      JSON.stringify(message.content),
    );
  }

  /** The whole conversation, oldest first. */
  conversation(): ConversationMessage[] {
    return this.sql
      .exec<{ turn_id: string; role: string; content: string }>("SELECT turn_id, role, content FROM conversation ORDER BY seq")
      .toArray()
      .map((row) => ({ turnId: row.turn_id, role: row.role as "user" | "assistant", content: JSON.parse(row.content) as unknown[] }));
  }

  recordToolResult(turnId: string, toolUseId: string, result: unknown): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO tool_results (turn_id, tool_use_id, result) VALUES (?, ?, ?)",
      turnId,
      toolUseId,
      JSON.stringify(result),
    );
  }

  /** A call's recorded result: keyed by its turn and its `tool_use` id (a model may reuse an id in another turn). */
  toolResult(turnId: string, toolUseId: string): unknown {
    const row = this.sql
      .exec<{ result: string }>("SELECT result FROM tool_results WHERE turn_id = ? AND tool_use_id = ?", turnId, toolUseId)
      .toArray()[0];
    return row ? (JSON.parse(row.result) as unknown) : undefined;
  }

  private row(id: string): TurnRow {
    const row = this.rows("SELECT * FROM turns WHERE id = ?", id)[0];
    if (!row) throw new StoreError("not_found", `Turn ${id} not found.`, { turnId: id });
    return row;
  }

  private rows(query: string, ...params: SqlStorageValue[]): TurnRow[] {
    return this.sql.exec<TurnRow>(query, ...params).toArray();
  }
}

function toInfo(row: TurnRow): TurnInfo {
  return {
    id: row.id,
    status: row.status as TurnStatus,
    message: row.message,
    startedAt: new Date(row.started_at).toISOString(),
    ...(row.finished_at !== null ? { finishedAt: new Date(row.finished_at).toISOString() } : {}),
    usage: JSON.parse(row.usage) as TurnUsage,
    timings: row.timings ? (JSON.parse(row.timings) as TurnTimings) : { steps: 0, modelMs: 0, toolMs: 0 },
    ...(row.version !== null ? { version: row.version } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
  };
}

/** Turns started before their URL was stored without it kept the preview's access token: it never leaves here. */
function withoutAccessToken(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete("access");
  return parsed.toString();
}
