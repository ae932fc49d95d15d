import { StoreError, type StoreErrorCode } from "../store";
import { isProjectErrorCode, ProjectError, type ProjectErrorCode } from "./project-errors";

/**
 * How a refused request crosses the Durable Object RPC boundary. RPC keeps an
 * error's message but not its class or fields, so the object returns refusals
 * as values and the caller turns them back into the same StoreError or
 * ProjectError. Only those travel this way; anything else is a bug and is
 * thrown as is.
 */
export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; code: StoreErrorCode | ProjectErrorCode; message: string; details: Record<string, unknown> };

export async function capture<T>(task: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await task() };
  } catch (error) {
    if (error instanceof StoreError || error instanceof ProjectError) {
      return { ok: false, code: error.code, message: error.message, details: error.details };
    }
    throw error;
  }
}

/**
 * Like capture, for work on a project that can be deleted while it runs (a
 * build waiting on the registry when DELETE arrives): once `exists` turns
 * false, the answer is `missing()`, whatever the work ended with.
 */
export async function captureWhileExists<T>(task: () => Promise<T>, exists: () => boolean, missing: () => StoreError): Promise<Outcome<T>> {
  return capture(async () => {
    let value: T;
    try {
      value = await task();
    } catch (error) {
      if (!exists()) throw missing();
      throw error;
    }
    if (!exists()) throw missing();
    return value;
  });
}

export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  const { code, message, details } = outcome;
  throw isProjectErrorCode(code) ? new ProjectError(code, message, details) : new StoreError(code, message, details);
}
