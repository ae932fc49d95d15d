import { VERSION_CF_FIELD } from "../sandbox/runtime";
import { LOG_LEVELS, type NewLogEntry } from "./project-logs";

/**
 * Most log lines kept from one request of the app, and the characters kept
 * of one: an app that logs in a loop costs the host a bounded amount of
 * work per request, and the log says what was left out.
 */
const MAX_LINES_PER_REQUEST = 1_000;
const MAX_LINE_CHARS = 10_000;

/** The log entries of tail events: console output and exceptions of each request the app served, bounded per request. */
export function logEntriesFromTrace(events: TraceItem[]): NewLogEntry[] {
  const entries: NewLogEntry[] = [];
  for (const event of events) {
    const request = (event.event as { request?: { url?: string; cf?: Record<string, unknown> } } | null)?.request;
    const url = request?.url;
    // One isolate serves every version with the same server code: the host names the version per request.
    const version = String(request?.cf?.[VERSION_CF_FIELD] ?? "unknown");
    for (const log of event.logs.slice(0, MAX_LINES_PER_REQUEST)) {
      const level = LOG_LEVELS.find((known) => known === log.level && known !== "exception") ?? "log";
      entries.push({ ts: log.timestamp, version, level, message: format(log.message), ...(url ? { url } : {}) });
    }
    const dropped = event.logs.length - MAX_LINES_PER_REQUEST;
    if (dropped > 0 || event.truncated) {
      // A truncated event lost lines before it got here (the runtime caps a request's trace).
      const count = `${event.truncated ? "At least " : ""}${Math.max(dropped, 0)}`;
      entries.push({
        ts: event.logs.at(-1)?.timestamp ?? Date.now(),
        version,
        level: "warn",
        message: `${count} more log lines of this request were not kept (at most ${MAX_LINES_PER_REQUEST} per request).`,
        ...(url ? { url } : {}),
      });
    }
    for (const exception of event.exceptions) {
      entries.push({
        ts: exception.timestamp,
        version,
        level: "exception",
        message: `${exception.name}: ${exception.message}`,
        ...(url ? { url } : {}),
      });
    }
  }
  return entries;
}

function format(message: unknown): string {
  const parts = Array.isArray(message) ? message : [message];
  let text = "";
  for (const part of parts) {
    text += `${text ? " " : ""}${typeof part === "string" ? part.slice(0, MAX_LINE_CHARS) : String(JSON.stringify(part)).slice(0, MAX_LINE_CHARS)}`;
    if (text.length >= MAX_LINE_CHARS) return text.slice(0, MAX_LINE_CHARS);
  }
  return text;
}
