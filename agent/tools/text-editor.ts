import { StoreError, validatePath, type Change } from "../../src/store";
import { truncate, type ToolOutcome } from "./tool-outcome";

/** What the editor reads: the draft's files as they are before the call. */
export interface DraftReader {
  /** Text of a file, `{binary: size}` for a file that is not UTF-8 text, or null when there is none. */
  read(path: string): Promise<string | { binary: number } | null>;
  /** Every file path of the draft, sorted. */
  paths(): Promise<string[]>;
}

/** Input of Anthropic's `text_editor_20250728` tool (`str_replace_based_edit_tool`). */
export type EditorInput =
  | { command: "view"; path: string; view_range?: [number, number] }
  | { command: "create"; path: string; file_text: string }
  | { command: "str_replace"; path: string; old_str: string; new_str?: string }
  | { command: "insert"; path: string; insert_line: number; insert_text?: string; new_str?: string };

/** Largest view answered in full; the rest is cut with a note. */
const MAX_VIEW_CHARS = 16_000;
/** Lines of context shown around an edit. */
const SNIPPET_CONTEXT = 4;

/**
 * Runs one editor command against the draft. Never throws for bad input:
 * mistakes come back as `isError` outcomes the model can act on. Edits are
 * returned as `changes` for the caller to apply with the recorded result.
 */
export async function runEditor(input: EditorInput, draft: DraftReader): Promise<ToolOutcome> {
  try {
    const path = normalize(input.path ?? "");
    switch (input.command) {
      case "view":
        return await view(path, input.view_range, draft);
      case "create": {
        if (typeof input.file_text !== "string") return failure("create needs file_text (the whole content of the file).");
        const existed = (await draft.read(requirePath(path))) !== null;
        const lines = input.file_text.split("\n").length;
        return edit(`${existed ? "Overwrote" : "Created"} ${path} (${lines} line${lines === 1 ? "" : "s"}).`, [put(path, input.file_text)]);
      }
      case "str_replace":
        return await strReplace(requirePath(path), input.old_str, input.new_str ?? "", draft);
      case "insert":
        return await insert(requirePath(path), input.insert_line, input.insert_text ?? input.new_str, draft);
      default:
        return failure(
          `Unknown command ${JSON.stringify((input as { command?: unknown }).command)}; use view, create, str_replace or insert.`,
        );
    }
  } catch (error) {
    if (error instanceof StoreError) return failure(error.message);
    throw error;
  }
}

/** Accepts `src/x.ts` and `/src/x.ts`; "" and "/" are the project's root. */
function normalize(path: string): string {
  return String(path).trim().replace(/^\/+/, "").replace(/\/+$/, "");
}

function requirePath(path: string): string {
  return validatePath(path);
}

async function view(path: string, range: [number, number] | undefined, draft: DraftReader): Promise<ToolOutcome> {
  const file = path === "" ? null : await draft.read(validatePath(path));
  if (file === null) return listDirectory(path, draft);
  if (typeof file !== "string") return failure(`${path} is a binary file (${file.binary} bytes); it cannot be viewed as text.`);
  const lines = file.split("\n");
  let [start, end] = [1, lines.length];
  if (range) {
    if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isInteger))
      return failure("view_range must be [start, end] (1-based; end -1 for the end of the file).");
    [start, end] = [range[0], range[1] === -1 ? lines.length : range[1]];
    if (start < 1 || start > lines.length || end < start || end > lines.length) {
      return failure(`view_range [${range.join(", ")}] is outside ${path}, which has ${lines.length} lines.`);
    }
  }
  return { content: truncate(numbered(lines, start, end), MAX_VIEW_CHARS, "view a smaller view_range"), isError: false, changes: [] };
}

async function listDirectory(path: string, draft: DraftReader): Promise<ToolOutcome> {
  const prefix = path === "" ? "" : `${path}/`;
  const below = (await draft.paths()).filter((candidate) => candidate.startsWith(prefix));
  if (below.length === 0)
    return failure(path === "" ? "The project has no files yet." : `${path} does not exist (no such file or directory).`);
  // Files and directories up to two levels below, like `find -maxdepth 2`.
  const entries = new Set<string>();
  for (const file of below) {
    const parts = file.slice(prefix.length).split("/");
    for (let depth = 1; depth <= Math.min(parts.length, 2); depth++) {
      entries.add(parts.slice(0, depth).join("/") + (depth < parts.length ? "/" : ""));
    }
  }
  const listing = [...entries].sort().map((entry) => `${prefix}${entry}`);
  return {
    content: truncate(
      `Files and directories in ${path || "the project root"} (two levels):\n${listing.join("\n")}`,
      MAX_VIEW_CHARS,
      "view a subdirectory",
    ),
    isError: false,
    changes: [],
  };
}

async function strReplace(path: string, oldStr: string | undefined, newStr: string, draft: DraftReader): Promise<ToolOutcome> {
  const text = await readText(path, draft);
  if (typeof text !== "string") return text;
  if (typeof oldStr !== "string" || oldStr === "")
    return failure("str_replace needs old_str: the exact text to replace, which must occur once.");
  const at = occurrences(text, oldStr);
  if (at.length === 0) {
    const hint = closestLines(text, oldStr);
    return failure(
      `old_str occurs 0 times in ${path}; it must match exactly once, whitespace included.${hint ? ` The closest lines are:\n${hint}` : ""}`,
    );
  }
  if (at.length > 1) {
    const lines = at.map((offset) => text.slice(0, offset).split("\n").length);
    return failure(
      `old_str occurs ${at.length} times in ${path} (lines ${lines.join(", ")}); include more surrounding lines so it matches exactly once.`,
    );
  }
  const updated = text.slice(0, at[0]) + newStr + text.slice(at[0]! + oldStr.length);
  const firstLine = text.slice(0, at[0]).split("\n").length;
  return edit(`Replaced 1 occurrence in ${path}.\n${snippet(updated, firstLine, newStr.split("\n").length)}`, [put(path, updated)]);
}

async function insert(path: string, line: number, insertText: string | undefined, draft: DraftReader): Promise<ToolOutcome> {
  const text = await readText(path, draft);
  if (typeof text !== "string") return text;
  if (typeof insertText !== "string") return failure("insert needs insert_text: the text to insert.");
  const lines = text.split("\n");
  if (!Number.isInteger(line) || line < 0 || line > lines.length) {
    return failure(`insert_line must be between 0 (the top) and ${lines.length} (after the last line of ${path}), got ${line}.`);
  }
  const added = insertText.replace(/\n$/, "").split("\n");
  const updated = [...lines.slice(0, line), ...added, ...lines.slice(line)].join("\n");
  return edit(
    `Inserted ${added.length} line${added.length === 1 ? "" : "s"} after line ${line} of ${path}.\n${snippet(updated, line + 1, added.length)}`,
    [put(path, updated)],
  );
}

async function readText(path: string, draft: DraftReader): Promise<string | ToolOutcome> {
  const file = await draft.read(path);
  if (file === null) return failure(`${path} does not exist; create it with the create command.`);
  if (typeof file !== "string") return failure(`${path} is a binary file (${file.binary} bytes); it cannot be edited as text.`);
  return file;
}

function occurrences(text: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) found.push(at);
  return found;
}

/** The lines most like old_str's first line, numbered, to show what the file really says. */
function closestLines(text: string, oldStr: string): string | null {
  const wanted = oldStr.split("\n");
  const probe = wanted.find((line) => line.trim() !== "")?.trim();
  if (!probe) return null;
  const lines = text.split("\n");
  let best = -1;
  let bestScore = 0.5;
  lines.forEach((line, index) => {
    const score = similarity(line.trim(), probe);
    if (score > bestScore) [best, bestScore] = [index, score];
  });
  if (best < 0) return null;
  return numbered(lines, best + 1, Math.min(lines.length, best + wanted.length));
}

/** Dice coefficient of character bigrams: 1 for equal strings. */
function similarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
  const bigrams = new Map<string, number>();
  for (let i = 0; i < a.length - 1; i++) bigrams.set(a.slice(i, i + 2), (bigrams.get(a.slice(i, i + 2)) ?? 0) + 1);
  let shared = 0;
  for (let i = 0; i < b.length - 1; i++) {
    const count = bigrams.get(b.slice(i, i + 2)) ?? 0;
    if (count > 0) {
      shared++;
      bigrams.set(b.slice(i, i + 2), count - 1);
    }
  }
  return (2 * shared) / (a.length + b.length - 2);
}

function numbered(lines: string[], start: number, end: number): string {
  return lines
    .slice(start - 1, end)
    .map((line, index) => `${String(start + index).padStart(6)}\t${line}`)
    .join("\n");
}

/** The edited lines with a few lines around them, numbered. */
function snippet(text: string, firstLine: number, count: number): string {
  const lines = text.split("\n");
  return numbered(lines, Math.max(1, firstLine - SNIPPET_CONTEXT), Math.min(lines.length, firstLine + count - 1 + SNIPPET_CONTEXT));
}

function put(path: string, text: string): Change {
  return { op: "put", path, content: new TextEncoder().encode(text) };
}

function edit(content: string, changes: Change[]): ToolOutcome {
  return { content, isError: false, changes };
}

function failure(content: string): ToolOutcome {
  return { content, isError: true, changes: [] };
}
