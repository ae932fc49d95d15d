import type { Workspace } from "@cloudflare/shell";
import type { TurnBudgets } from "../src/server-config";
import type { BuildSummary, ProjectTurns, TestSummary } from "../src/project";
import type { SandboxRuntime } from "../src/sandbox";
import type { ProjectStore, StoreLimits } from "../src/store";
import type { Model } from "./model";

/**
 * What a project offers the agent loop during a turn: its draft (through the
 * store interface, and as a Workspace for the execute tool's state API), the
 * turn log, builds, tests and the draft's preview. The project's object
 * builds this; the loop never sees the object itself.
 */
export interface TurnHost {
  turns: ProjectTurns;
  store: ProjectStore;
  workspace: Workspace;
  /** The store's size limits, which the execute tool's writes also keep to. */
  limits: StoreLimits;
  /** How long one execute call may run (EXECUTE_TIMEOUT_MS). */
  executeTimeoutMs: number;
  /** Where the execute tool's code runs (the sandbox runtime, as for previews and tests). */
  runtime: SandboxRuntime;
  /** The model, made on first use (only model calls need one). */
  model(): Model;
  budgets: TurnBudgets;
  /** Runs synchronous writes (turn log, tool results) in one storage transaction. */
  transaction<T>(writes: () => T): T;
  buildDraft(): Promise<BuildSummary>;
  testDraft(): Promise<TestSummary>;
  /** A request to the draft's running build (`path` like `/api/todos`). */
  previewFetch(path: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
}
