import { parse as parseJsonc, type ParseError } from "jsonc-parser";
import { readTsSettings } from "./tsconfig";
import { parse as parseToml } from "smol-toml";
import { utf8OrNull } from "../../store";
import type { BuildError } from "../interface";
import { NO_BINDINGS, readBindings, type ProjectBindings } from "./bindings";

/** The newest compatibility date the runtime we ship with (workerd 2026-04-26) accepts. */
export const MAX_COMPATIBILITY_DATE = "2026-04-26";

export interface ProjectConfig {
  /** Path of the wrangler file it came from, if any. */
  file?: string;
  main?: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** `assets.not_found_handling`: what a request no asset matches gets. */
  notFoundHandling?: NotFoundHandling;
  /** `vars` and the bindings it declares (see bindings.ts). */
  bindings: ProjectBindings;
}

export type NotFoundHandling = "single-page-application" | "404-page" | "none";

/**
 * Reads the project's wrangler.toml / wrangler.jsonc / wrangler.json. The
 * compatibility date is clamped to what the runtime supports (an app written
 * for a newer date still runs, on the newest date we have).
 */
export function readProjectConfig(read: (path: string) => string | null): { config: ProjectConfig; errors: BuildError[] } {
  for (const file of ["wrangler.toml", "wrangler.jsonc", "wrangler.json"]) {
    const text = read(file);
    if (text === null) continue;
    const parsed = file.endsWith(".toml") ? tomlConfig(file, text) : jsoncConfig(file, text);
    if ("error" in parsed) return { config: defaults(), errors: [parsed.error] };
    return { config: normalise(file, parsed.value, text), errors: [] };
  }
  return { config: defaults(), errors: [] };
}

function defaults(): ProjectConfig {
  return { compatibilityDate: MAX_COMPATIBILITY_DATE, compatibilityFlags: [], bindings: NO_BINDINGS };
}

const NOT_FOUND = new Set<NotFoundHandling>(["single-page-application", "404-page", "none"]);

function normalise(file: string, raw: Record<string, unknown>, text: string): ProjectConfig {
  const handling = (raw.assets as { not_found_handling?: unknown } | undefined)?.not_found_handling;
  const date = typeof raw.compatibility_date === "string" ? raw.compatibility_date : MAX_COMPATIBILITY_DATE;
  const flags = Array.isArray(raw.compatibility_flags) ? raw.compatibility_flags.filter((f) => typeof f === "string") : [];
  return {
    file,
    ...(typeof raw.main === "string" ? { main: raw.main.replace(/^\.\//, "") } : {}),
    compatibilityDate: /^\d{4}-\d{2}-\d{2}$/.test(date) && date < MAX_COMPATIBILITY_DATE ? date : MAX_COMPATIBILITY_DATE,
    compatibilityFlags: flags,
    ...(NOT_FOUND.has(handling as NotFoundHandling) ? { notFoundHandling: handling as NotFoundHandling } : {}),
    bindings: readBindings(raw, text),
  };
}

function tomlConfig(file: string, text: string): { value: Record<string, unknown> } | { error: BuildError } {
  try {
    return { value: parseToml(text) as Record<string, unknown> };
  } catch (error) {
    const { line, column } = error as { line?: number; column?: number };
    return { error: { file, line, column, message: `Invalid TOML: ${(error as Error).message.split("\n")[0]}` } };
  }
}

function jsoncConfig(file: string, text: string): { value: Record<string, unknown> } | { error: BuildError } {
  const problems: ParseError[] = [];
  const value = parseJsonc(text, problems, { allowTrailingComma: true }) as unknown;
  if (problems.length > 0 || typeof value !== "object" || value === null) {
    const offset = problems[0]?.offset ?? 0;
    const before = text.slice(0, offset).split("\n");
    return { error: { file, line: before.length, column: before.at(-1)!.length + 1, message: "Invalid JSON in the wrangler file." } };
  }
  return { value: value as Record<string, unknown> };
}

/** `compilerOptions.jsxImportSource` of the app's tsconfig (through `extends` and `references`), if set (e.g. "hono/jsx"). */
export function jsxImportSource(read: (path: string) => string | null): string | undefined {
  return readTsSettings(read).jsxImportSource;
}

/** Whether the worker gets Node.js built-ins (`nodejs_compat`). */
export function nodejsCompatEnabled(config: ProjectConfig): boolean {
  return config.compatibilityFlags.some((flag) => flag === "nodejs_compat" || flag === "nodejs_compat_v2");
}

/** The project's UTF-8 text files: all the bundler reads (binary files are only served, under public/). */
export function textFiles(files: Map<string, Uint8Array>): Map<string, string> {
  const text = new Map<string, string>();
  for (const [path, bytes] of files) {
    const decoded = utf8OrNull(bytes);
    if (decoded !== null) text.set(path, decoded);
  }
  return text;
}
