import type { Env } from "./env";
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
    maxFileBytes: Math.min(
      positiveInt(env.MAX_FILE_BYTES, "MAX_FILE_BYTES") ?? DEFAULT_LIMITS.maxFileBytes,
      MAX_FILE_BYTES_CEILING,
    ),
    maxFiles: positiveInt(env.MAX_FILES, "MAX_FILES") ?? DEFAULT_LIMITS.maxFiles,
    maxVersionBytes:
      positiveInt(env.MAX_VERSION_BYTES, "MAX_VERSION_BYTES") ?? DEFAULT_LIMITS.maxVersionBytes,
  };
}

/** A test that has not settled after this long fails (vitest's default). */
export const DEFAULT_TEST_TIMEOUT_MS = 5_000;

export function testTimeoutFromEnv(env: Env): number {
  return positiveInt(env.TEST_TIMEOUT_MS, "TEST_TIMEOUT_MS") ?? DEFAULT_TEST_TIMEOUT_MS;
}

function positiveInt(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got "${raw}".`);
  }
  return value;
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
