/**
 * Errors the store throws for input it refuses. Each has a stable `code`
 * (the API's error code) and structured `details`; the HTTP layer maps
 * codes to status codes in one place. Anything else thrown is a bug.
 */
export const STORE_ERROR_CODES = [
  "invalid_path",
  "invalid_content",
  "path_conflict",
  "not_found",
  "missing_path",
  "conflict",
  "too_large",
] as const;

export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "StoreError";
  }
}

/** A path breaks the path rules (docs/api.md, Conventions). */
export class InvalidPathError extends StoreError {
  constructor(path: string, reason: string) {
    super("invalid_path", `Invalid path ${JSON.stringify(path)}: ${reason}.`, { path });
  }
}

/** A path a commit deletes or moves does not exist in its base (the request is wrong, not the URL). */
export class MissingPathError extends StoreError {
  constructor(path: string) {
    super("missing_path", `${path} does not exist in the base version.`, { path });
  }
}

/** A version, file or project that does not exist. */
export class NotFoundError extends StoreError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("not_found", message, details);
  }
}

/** The commit's `base` is not the current head. */
export class ConflictError extends StoreError {
  constructor(base: number, head: number) {
    super("conflict", `Base version ${base} is not the head (head is ${head}); fetch the head and retry on top of it.`, { head });
  }
}

/** A file, the file count or the version size is over a limit. */
export class TooLargeError extends StoreError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("too_large", message, details);
  }
}
