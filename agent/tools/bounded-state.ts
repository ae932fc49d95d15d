import { createWorkspaceStateBackend, StateBatchOperationError, type Workspace } from "@cloudflare/shell";
import { RE2JS } from "re2js";
import { readAtMost } from "../../src/preview";
import type { StoreLimits } from "../../src/store";

/**
 * The state backend `execute` gets: @cloudflare/shell's own over the draft,
 * with every piece of work the host does for the sandbox bounded. Patterns
 * (globs, `find` names, search and replace queries) run on RE2 (re2js), in
 * time linear in the input, where shell's own compile model input into
 * backtracking regular expressions (34 characters froze the host); writes
 * and decompression stop at the per-file size limit, and the bytes one call
 * may write and the matches it may return are capped. Every bound is an
 * error that says which, never a silent cut.
 */
type StateBackend = ReturnType<typeof createWorkspaceStateBackend>;

/** Longest glob or search pattern accepted. */
const MAX_PATTERN_CHARS = 4_096;
/** Most matches one search returns, and the text they may carry. */
const MAX_MATCHES = 10_000;
const MAX_MATCH_CHARS = 4_000_000;

interface SearchOptions {
  caseSensitive?: boolean;
  regex?: boolean;
  wholeWord?: boolean;
  contextBefore?: number;
  contextAfter?: number;
  maxMatches?: number;
}
interface ReplaceInFilesOptions extends SearchOptions {
  dryRun?: boolean;
  rollbackOnError?: boolean;
}
interface FindOptions {
  name?: string;
  pathPattern?: string;
  [option: string]: unknown;
}

export function boundedStateBackend(workspace: Workspace, limits: StoreLimits): StateBackend {
  const inner = createWorkspaceStateBackend(workspace);
  // Everything a `state.*` call may write, over the whole execute call: twice what a version may hold.
  let writable = limits.maxVersionBytes * 2;
  const written = (path: string, bytes: number) => {
    if (bytes > limits.maxFileBytes)
      throw new Error(`EFBIG: ${path} would be ${bytes} bytes; the limit is ${limits.maxFileBytes} bytes per file.`);
    writable -= bytes;
    if (writable < 0)
      throw new Error(`EFBIG: this execute call wrote more than ${limits.maxVersionBytes * 2} bytes in all; write less per call.`);
  };
  // Methods inherited from shell's backend call these overrides through `this`
  // (getFilePaths → glob, extractArchive → writeFileBytes, …).
  const bounded: Partial<StateBackend> = {
    async glob(pattern: string) {
      const matcher = globMatcher(pattern);
      return (await inner.glob("/**")).filter((path) => matcher.matches(path));
    },
    async find(path: string, options: FindOptions = {}) {
      const { name, pathPattern, ...rest } = options;
      const byName = name === undefined ? null : globMatcher(name);
      const byPath = pathPattern === undefined ? null : globMatcher(pathPattern);
      const entries = await inner.find(path, rest as Parameters<StateBackend["find"]>[1]);
      return entries.filter((entry) => (!byName || byName.matches(entry.name)) && (!byPath || byPath.matches(entry.path)));
    },
    async searchText(this: StateBackend, path: string, query: string, options: SearchOptions = {}) {
      return search(await this.readFile(path), textMatcher(query, options), options, budget());
    },
    async searchFiles(this: StateBackend, pattern: string, query: string, options: SearchOptions = {}) {
      const matcher = textMatcher(query, options);
      const left = budget();
      const results = [];
      for (const path of await filePaths(this, pattern)) {
        const matches = search(await this.readFile(path), matcher, options, left);
        if (matches.length > 0) results.push({ path, matches });
      }
      return results;
    },
    async replaceInFile(this: StateBackend, path: string, find: string, replacement: string, options: SearchOptions = {}) {
      const result = replace(await this.readFile(path), textMatcher(find, options), replacement);
      if (result.replaced > 0) await this.writeFile(path, result.content);
      return result;
    },
    async replaceInFiles(this: StateBackend, pattern: string, find: string, replacement: string, options: ReplaceInFilesOptions = {}) {
      const matcher = textMatcher(find, options);
      const files = [];
      const applied: { path: string; previous: string }[] = [];
      let totalReplacements = 0;
      try {
        for (const path of await filePaths(this, pattern)) {
          const current = await this.readFile(path);
          const result = replace(current, matcher, replacement);
          if (result.replaced === 0) continue;
          const diff = await this.diffContent(path, result.content);
          if (!options.dryRun) {
            await this.writeFile(path, result.content);
            applied.push({ path, previous: current });
          }
          files.push({ path, replaced: result.replaced, content: result.content, diff });
          totalReplacements += result.replaced;
        }
      } catch (error) {
        const rolledBack = options.rollbackOnError ?? true;
        let rollbackError: string | undefined;
        for (const { path, previous } of rolledBack ? applied.reverse() : []) {
          await this.writeFile(path, previous).catch((failed: Error) => (rollbackError ??= failed.message));
        }
        throw new StateBatchOperationError({
          operation: "replaceInFiles",
          message: error instanceof Error ? error.message : String(error),
          rolledBack,
          rollbackError,
        });
      }
      return { dryRun: options.dryRun ?? false, files, totalFiles: files.length, totalReplacements };
    },
    async writeFile(path: string, content: string) {
      written(path, new TextEncoder().encode(String(content)).byteLength);
      return inner.writeFile(path, content);
    },
    async writeFileBytes(path: string, content: Uint8Array) {
      written(path, content.byteLength);
      return inner.writeFileBytes(path, content);
    },
    async appendFile(this: StateBackend, path: string, content: string | Uint8Array) {
      const adding = typeof content === "string" ? new TextEncoder().encode(content).byteLength : content.byteLength;
      written(path, ((await this.stat(path))?.size ?? 0) + adding);
      return inner.appendFile(path, content);
    },
    async writeJson(path: string, value: unknown, options?: { spaces?: number }) {
      written(path, new TextEncoder().encode(JSON.stringify(value, null, options?.spaces ?? 2) ?? "").byteLength);
      return inner.writeJson(path, value, options);
    },
    async decompressFile(this: StateBackend, path: string, destination?: string) {
      const to = destination ?? path.replace(/\.gz$/i, "");
      const bytes = await gunzipAtMost(await this.readFileBytes(path), limits.maxFileBytes, path);
      await this.writeFileBytes(to, bytes);
      return { path, destination: to, bytesWritten: bytes.byteLength };
    },
  };
  return Object.assign(Object.create(inner) as StateBackend, bounded);
}

/** The files among a glob's hits (as shell's getFilePaths, through the bounded glob). */
async function filePaths(backend: StateBackend, pattern: string): Promise<string[]> {
  const files = [];
  for (const path of await backend.glob(pattern)) if ((await backend.lstat(path))?.type === "file") files.push(path);
  return files;
}

/**
 * A glob as shell reads it (`*`, `**`, `?`, `[…]`, `{a,b}`; relative patterns
 * are from `/`) compiled to RE2. Brace alternatives are globs themselves
 * (shell copies them into the expression as they are).
 */
function globMatcher(pattern: string): RE2JS {
  checkLength(pattern, "glob pattern");
  const absolute = pattern.startsWith("/") ? pattern : `/${pattern}`;
  try {
    return RE2JS.compile(`^${globSource(absolute, true)}$`);
  } catch (error) {
    throw new Error(`Invalid glob pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
}

function globSource(glob: string, braces: boolean): string {
  let source = "";
  for (let i = 0; i < glob.length; ) {
    const ch = glob[i]!;
    if (ch === "*" && glob[i + 1] === "*") {
      i += 2;
      if (glob[i] === "/") {
        source += "(?:.+/)?";
        i++;
      } else source += ".*";
    } else if (ch === "*") {
      source += "[^/]*";
      i++;
    } else if (ch === "?") {
      source += "[^/]";
      i++;
    } else if (ch === "[" && glob.indexOf("]", i + 1) > i + 1) {
      const close = glob.indexOf("]", i + 1);
      const inner = glob.slice(i + 1, close);
      const negated = inner.startsWith("!") || inner.startsWith("^");
      source += `[${negated ? "^" : ""}${(negated ? inner.slice(1) : inner).replace(/[\\[\]]/g, "\\$&")}]`;
      i = close + 1;
    } else if (ch === "{" && braces && glob.indexOf("}", i + 1) !== -1) {
      const close = glob.indexOf("}", i + 1);
      source += `(?:${glob
        .slice(i + 1, close)
        .split(",")
        .map((alternative) => globSource(alternative, false))
        .join("|")})`;
      i = close + 1;
    } else {
      source += RE2JS.quote(ch);
      i++;
    }
  }
  return source;
}

function textMatcher(query: string, options: SearchOptions): RE2JS {
  if (query.length === 0) throw new Error("Search query must not be empty");
  checkLength(query, "search query");
  let source = options.regex ? RE2JS.translateRegExp(query) : RE2JS.quote(query);
  if (options.wholeWord) source = `\\b(?:${source})\\b`;
  try {
    return RE2JS.compile(source, options.caseSensitive === false ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    throw new Error(
      `Invalid search pattern: ${(error as Error).message}. Patterns use RE2 syntax, which runs in linear time: no lookahead and no backreferences.`,
    );
  }
}

function checkLength(pattern: string, what: string): void {
  if (typeof pattern !== "string") throw new Error(`The ${what} must be a string.`);
  if (pattern.length > MAX_PATTERN_CHARS)
    throw new Error(`The ${what} is ${pattern.length} characters; the limit is ${MAX_PATTERN_CHARS}.`);
}

/** What one search (of one file or many) may still return. */
interface Budget {
  matches: number;
  chars: number;
}

function budget(): Budget {
  return { matches: MAX_MATCHES, chars: MAX_MATCH_CHARS };
}

/** shell's searchText, line by line, on RE2 (maxMatches is per file, as there). */
function search(content: string, matcher: RE2JS, options: SearchOptions, left: Budget) {
  const before = Math.max(0, Math.min(Number(options.contextBefore) || 0, 100));
  const after = Math.max(0, Math.min(Number(options.contextAfter) || 0, 100));
  const most = typeof options.maxMatches === "number" ? options.maxMatches : Number.POSITIVE_INFINITY;
  const lines = content.split("\n");
  const matches = [];
  for (let index = 0; index < lines.length && matches.length < most; index++) {
    const lineText = lines[index]!;
    const found = matcher.matcher(lineText);
    while (matches.length < most && found.find()) {
      const beforeLines = before ? lines.slice(Math.max(0, index - before), index) : undefined;
      const afterLines = after ? lines.slice(index + 1, index + 1 + after) : undefined;
      left.matches--;
      left.chars -= lineText.length + [...(beforeLines ?? []), ...(afterLines ?? [])].reduce((sum, line) => sum + line.length, 0);
      if (left.matches < 0) throw new Error(`More than ${MAX_MATCHES} matches; narrow the query or set maxMatches.`);
      if (left.chars < 0)
        throw new Error(`The matches come to more than ${MAX_MATCH_CHARS} characters; narrow the query or set maxMatches.`);
      matches.push({
        line: index + 1,
        column: found.start() + 1,
        match: found.group() ?? "",
        lineText,
        ...(beforeLines ? { beforeLines } : {}),
        ...(afterLines ? { afterLines } : {}),
      });
    }
  }
  return matches;
}

/** shell's replaceText: every match becomes `replacement`, taken literally. */
function replace(content: string, matcher: RE2JS, replacement: string) {
  let replaced = 0;
  const next = matcher.matcher(content).replaceAll(() => {
    replaced++;
    return String(replacement);
  });
  return { replaced, content: next };
}

/** Gunzips, stopping as soon as the output passes `limit` bytes. */
async function gunzipAtMost(bytes: Uint8Array, limit: number, path: string): Promise<Uint8Array> {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
  const out = await readAtMost(reader, limit);
  if (out) return out;
  await reader.cancel();
  throw new Error(`EFBIG: ${path} decompresses to more than ${limit} bytes; the limit is ${limit} bytes per file.`);
}
