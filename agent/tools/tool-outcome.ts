import type { Change } from "../../src/store";

/** What a tool call produced: the `tool_result` the model reads, and the draft edits it made. */
export interface ToolOutcome {
  content: string;
  isError: boolean;
  /** Applied to the draft together with the recorded result, all or nothing. */
  changes: Change[];
}

/** Cuts text to `max` characters with a note saying so and what to do instead. */
export function truncate(text: string, max: number, instead: string): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n[… ${text.length - max} more characters not shown; ${instead}.]`;
}
