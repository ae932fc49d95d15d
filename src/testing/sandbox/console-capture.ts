import { getCurrentTest } from "@vitest/runner";
import { format } from "@vitest/utils/display";

/** Most console output kept per test (the start of it). */
const MAX_OUTPUT_CHARS = 4_000;
/**
 * Most lines a run prints to the runtime's own console, which the host
 * relays (locally, to the terminal): a test logging in a loop must not make
 * the host do work per line.
 */
const MAX_PRINTED_LINES = 1_000;
const LEVELS = ["log", "info", "warn", "error", "debug"] as const;

const output = new Map<string, string>();

/**
 * Records console output by the test running at the time (the test's own and
 * the server's while serving its SELF.fetch calls), and still prints the
 * start of it.
 */
export function captureConsole(): void {
  let printed = 0;
  for (const level of LEVELS) {
    const print = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const test = getCurrentTest();
      if (test) {
        const line = `${level === "log" || level === "info" ? "" : `${level}: `}${format(...args)}\n`;
        output.set(test.id, ((output.get(test.id) ?? "") + line).slice(0, MAX_OUTPUT_CHARS));
      }
      printed++;
      if (printed <= MAX_PRINTED_LINES) print(...args);
      else if (printed === MAX_PRINTED_LINES + 1) print(`[test run: console output past ${MAX_PRINTED_LINES} lines is not printed]`);
    };
  }
}

/** The console output recorded while a test ran, if any. */
export function outputOf(testId: string): string | undefined {
  return output.get(testId);
}
