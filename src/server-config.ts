import type { OwnHosts } from "./preview";
import type { StoreLimits } from "./store";

/**
 * A Durable Object SQLite row holds at most 2 MB, and the working tree keeps
 * binary files base64-encoded (+33%), so one file can be at most ~1.4 MB.
 */
const MAX_FILE_BYTES_CEILING = 1_400_000;

export const DEFAULT_LIMITS: StoreLimits = {
  maxFileBytes: 1024 * 1024,
  maxFiles: 5_000,
  maxVersionBytes: 50 * 1024 * 1024,
};

/** Reads the store limits from the environment, falling back to the defaults. */
export function limitsFromEnv(env: Env): StoreLimits {
  return {
    maxFileBytes: Math.min(positiveInt(env.MAX_FILE_BYTES, "MAX_FILE_BYTES") ?? DEFAULT_LIMITS.maxFileBytes, MAX_FILE_BYTES_CEILING),
    maxFiles: positiveInt(env.MAX_FILES, "MAX_FILES") ?? DEFAULT_LIMITS.maxFiles,
    maxVersionBytes: positiveInt(env.MAX_VERSION_BYTES, "MAX_VERSION_BYTES") ?? DEFAULT_LIMITS.maxVersionBytes,
  };
}

/** A test that has not settled after this long fails (vitest's default). */
export const DEFAULT_TEST_TIMEOUT_MS = 5_000;

export function testTimeoutFromEnv(env: Env): number {
  return positiveInt(env.TEST_TIMEOUT_MS, "TEST_TIMEOUT_MS") ?? DEFAULT_TEST_TIMEOUT_MS;
}

/** CPU time one preview request may use, deployed (Workers' own limit; local workerd does not enforce it). */
export const DEFAULT_PREVIEW_CPU_MS = 50;

export function previewCpuMsFromEnv(env: Env): number {
  return positiveInt(env.PREVIEW_CPU_MS, "PREVIEW_CPU_MS") ?? DEFAULT_PREVIEW_CPU_MS;
}

/** How long one `execute` tool call may run (the sandbox's timer, then the host's own deadline). */
export const DEFAULT_EXECUTE_TIMEOUT_MS = 30_000;

export function executeTimeoutFromEnv(env: Env): number {
  return positiveInt(env.EXECUTE_TIMEOUT_MS, "EXECUTE_TIMEOUT_MS") ?? DEFAULT_EXECUTE_TIMEOUT_MS;
}

function positiveInt(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got "${raw}".`);
  }
  return value;
}

/** The newest Sonnet in the pinned @anthropic-ai/sdk's model list. */
export const DEFAULT_MODEL = "claude-sonnet-5-5";

export interface TurnBudgets {
  maxModelCalls: number;
  maxOutputTokens: number;
  maxSeconds: number;
}

export const DEFAULT_BUDGETS: TurnBudgets = { maxModelCalls: 30, maxOutputTokens: 64_000, maxSeconds: 600 };

/** How the agent reaches its model; `replay` is the built-in offline model. */
export type ModelConfig =
  | { kind: "anthropic"; apiKey: string; baseURL?: string; model: string; contextEditing: boolean }
  | { kind: "replay"; model: "replay"; delayMs: number };

/**
 * The agent's model from ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL (any
 * Anthropic-compatible endpoint; a key is then optional) and MODEL, or
 * null when none is configured.
 */
export function modelConfigFromEnv(env: Env): ModelConfig | null {
  if (env.MODEL === "replay")
    return { kind: "replay", model: "replay", delayMs: nonNegativeInt(env.REPLAY_DELAY_MS, "REPLAY_DELAY_MS") ?? 0 };
  if (!env.ANTHROPIC_API_KEY && !env.ANTHROPIC_BASE_URL) return null;
  return {
    kind: "anthropic",
    apiKey: env.ANTHROPIC_API_KEY || "none",
    ...(env.ANTHROPIC_BASE_URL ? { baseURL: env.ANTHROPIC_BASE_URL } : {}),
    model: env.MODEL || DEFAULT_MODEL,
    // The API's own context editing (a beta): on for Anthropic's API, off for other endpoints unless asked for.
    contextEditing: env.ANTHROPIC_CONTEXT_MANAGEMENT ? env.ANTHROPIC_CONTEXT_MANAGEMENT === "on" : !env.ANTHROPIC_BASE_URL,
  };
}

export function budgetsFromEnv(env: Env): TurnBudgets {
  return {
    maxModelCalls: positiveInt(env.TURN_MAX_MODEL_CALLS, "TURN_MAX_MODEL_CALLS") ?? DEFAULT_BUDGETS.maxModelCalls,
    maxOutputTokens: positiveInt(env.TURN_MAX_OUTPUT_TOKENS, "TURN_MAX_OUTPUT_TOKENS") ?? DEFAULT_BUDGETS.maxOutputTokens,
    maxSeconds: positiveInt(env.TURN_MAX_SECONDS, "TURN_MAX_SECONDS") ?? DEFAULT_BUDGETS.maxSeconds,
  };
}

function nonNegativeInt(raw: string | undefined, name: string): number | undefined {
  return raw === "0" ? 0 : positiveInt(raw, name);
}

/** The host's own names (API_HOSTS, PREVIEW_HOST), which no app may call. */
export function ownHostsFromEnv(env: Env): OwnHosts {
  return { apiHosts: listFromEnv(env.API_HOSTS), ...(env.PREVIEW_HOST ? { previewHost: env.PREVIEW_HOST } : {}) };
}

/** Origins (scheme://host[:port]) whose pages may call the API (CORS_ORIGINS). */
export function corsOriginsFromEnv(env: Env): string[] {
  return listFromEnv(env.CORS_ORIGINS).map((origin) => origin.replace(/\/+$/, "").toLowerCase());
}

/** A list variable: entries separated by commas or white space. */
function listFromEnv(raw: string | undefined): string[] {
  return (raw ?? "").split(/[\s,]+/).filter(Boolean);
}
