import type { TurnBudgets } from "../server-config";

// What a project's agent turns are made of, as the turn log (turn-log.ts) stores and answers them.

/** Event names of a turn's stream (docs/api.md, Agent turns). */
export const TURN_EVENT_TYPES = [
  "turn.started",
  "turn.resumed",
  "model.text",
  "model.retry",
  "tool.started",
  "tool.finished",
  "files.changed",
  "build.finished",
  "test.finished",
  "preview.ready",
  "version.created",
  "turn.finished",
] as const;
export type TurnEventType = (typeof TURN_EVENT_TYPES)[number];

export const TURN_STATUSES = ["running", "completed", "failed", "cancelled", "budget_exceeded", "stuck"] as const;
export type TurnStatus = (typeof TURN_STATUSES)[number];
export type FinalStatus = Exclude<TurnStatus, "running">;

export interface TurnUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  modelCalls: number;
}

/** Where a turn's time went: steps run, time in model calls and in tool calls (the rest is the loop's own). */
export interface TurnTimings {
  steps: number;
  modelMs: number;
  toolMs: number;
}

export const NO_USAGE: TurnUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, modelCalls: 0 };

export interface TurnInfo {
  id: string;
  status: TurnStatus;
  message: string;
  startedAt: string;
  finishedAt?: string;
  usage: TurnUsage;
  timings: TurnTimings;
  version?: number;
  error?: string;
}

export interface TurnEvent {
  /** Increasing within the turn, from 1: the SSE `id`. */
  seq: number;
  type: TurnEventType;
  data: Record<string, unknown>;
}

/** One message of the conversation as the Messages API takes it (role + content blocks). */
export interface ConversationMessage {
  turnId: string;
  role: "user" | "assistant";
  content: unknown[];
}

/** Where a running turn is: the step its next alarm runs, and what the loop keeps between steps. */
export interface TurnState {
  phase: "model" | "tools" | "finish";
  /** A step began and did not record its end: it was cut short (a restart) and runs again. */
  interrupted: boolean;
  /** The last build's error signature and how many builds in a row had it. */
  stuck: { signature: string; count: number } | null;
  /** The draft's preview URL as the client that started the turn reaches it, never with an access token. */
  previewUrl: string | null;
  /** Budgets the request asked for (each within the server's own). */
  budgets: Partial<TurnBudgets>;
  startedAt: number;
}
