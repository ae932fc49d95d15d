import { hashBytes } from "../../store";
import type { BuildError } from "../interface";
import { dataUrl, type AssetQuery, type EmittedAssets } from "./assets";
import { joinImportPath } from "./imports";

/** What CSS processing reads: text files (the project's and node_modules'), and any file's bytes for url(). */
export interface CssFiles {
  read(path: string): string | null;
  bytes(path: string): Uint8Array | null;
  emitted: EmittedAssets;
  /** Every file read, for the bundle memo. */
  seen?: (path: string) => void;
}

/** A CSS file that cannot be built: the located reason. */
export class CssError extends Error {
  constructor(readonly error: BuildError) {
    super(error.message);
  }
}

const IMPORT = /@import\s+(?:url\(\s*)?(["']?)([^"')\s;]+)\1\s*\)?\s*([^;]*);/g;
const URL_FUNCTION = /url\(\s*(["']?)([^"')]+?)\1\s*\)/g;
const OTHER_ORIGIN = /^(?:[a-z][a-z\d+.-]*:|\/\/|#)/i;

/**
 * The module a CSS import becomes, as Vite serves it: the stylesheet added to
 * the page as a <style> element, with its `@import`s inlined (project files,
 * then packages) and each `url()` of a project file pointing at its emitted
 * copy. A `*.module.css` file has its class names scoped to the file and
 * exports the mapping; `?inline` gives the processed CSS as a string without
 * adding it, `?raw` the file as written, `?url` the URL of the processed copy.
 */
export function cssModuleSource(path: string, query: AssetQuery | undefined, files: CssFiles): string {
  if (query === "raw") return `export default ${JSON.stringify(readCss(path, files))};\n`;
  let css = stylesheet(path, files);
  let classes: Record<string, string> | undefined;
  if (/\.module\.css$/.test(path)) ({ css, classes } = scopeClasses(css, path));
  if (query === "inline") return `export default ${JSON.stringify(css)};\n`;
  if (query === "url") return `export default ${JSON.stringify(files.emitted.emit(path, new TextEncoder().encode(css)))};\n`;
  const lines = [
    `const style = document.createElement("style");`,
    `style.dataset.source = ${JSON.stringify(path)};`,
    `style.textContent = ${JSON.stringify(css)};`,
    `document.head.appendChild(style);`,
  ];
  if (classes) {
    lines.push(`export default ${JSON.stringify(classes)};`);
    for (const [local, scoped] of Object.entries(classes)) {
      if (/^[A-Za-z_$][\w$]*$/.test(local) && !RESERVED.has(local)) lines.push(`export const ${local} = ${JSON.stringify(scoped)};`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function readCss(path: string, files: CssFiles): string {
  files.seen?.(path);
  const css = files.read(path);
  if (css === null) throw new CssError({ file: path, message: `Cannot read the stylesheet ${path}.` });
  return css;
}

/** `path`'s CSS with its imports inlined and its url()s resolved; remote @imports are kept, first. */
export function stylesheet(path: string, files: CssFiles): string {
  const remote: string[] = [];
  const body = inline(path, files, new Set(), remote);
  return remote.length > 0 ? `${remote.join("\n")}\n${body}` : body;
}

function inline(path: string, files: CssFiles, inlined: Set<string>, remote: string[]): string {
  inlined.add(path);
  const css = readCss(path, files);
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  const withUrls = css.replace(URL_FUNCTION, (whole, quote: string, target: string) => {
    if (OTHER_ORIGIN.test(target) || target.startsWith("/")) return whole;
    const [file, suffix = ""] = target.split(/(?=[?#])/, 2);
    const resolved = resolveStylesheetPath(dir, file!, files);
    const bytes = resolved === undefined ? null : files.bytes(resolved);
    // As Vite does, a url() that names no file is left for the browser to resolve.
    if (resolved === undefined || bytes === null) return whole;
    files.seen?.(resolved);
    const url = suffix === "?inline" ? dataUrl(resolved, bytes) : files.emitted.emit(resolved, bytes) + suffix.replace(/^\?inline/, "");
    return `url(${quote || '"'}${url}${quote || '"'})`;
  });
  const body = withUrls.replace(IMPORT, (whole, _quote: string, target: string, media: string) => {
    if (OTHER_ORIGIN.test(target)) {
      remote.push(whole);
      return "";
    }
    const resolved = resolveStylesheet(dir, target, files);
    if (resolved === undefined) {
      const line = css.slice(0, css.indexOf(whole)).split("\n").length;
      throw new CssError({ file: path, line, message: `Cannot resolve the stylesheet "${target}" that ${path} imports.` });
    }
    if (inlined.has(resolved)) return "";
    const imported = inline(resolved, files, inlined, remote);
    return media.trim() ? `@media ${media.trim()} {\n${imported}\n}` : imported;
  });
  return body;
}

/** A stylesheet `@import` names: relative to the file, else a package's file (`pkg/x.css`, `~pkg/x.css`) or its `style` entry. */
function resolveStylesheet(dir: string, target: string, files: CssFiles): string | undefined {
  const relative = joinImportPath(dir, target);
  if (!target.startsWith("~") && files.read(relative) !== null) return relative;
  if (target.startsWith(".") || target.startsWith("/")) return undefined;
  const bare = target.replace(/^~/, "");
  const direct = `node_modules/${bare}`;
  if (files.read(direct) !== null) return direct;
  const manifest = files.read(`${direct}/package.json`);
  if (manifest === null) return undefined;
  try {
    const { style } = JSON.parse(manifest) as { style?: unknown };
    if (typeof style === "string" && files.read(joinImportPath(direct, style)) !== null) return joinImportPath(direct, style);
  } catch {
    // not JSON: nothing to resolve
  }
  return files.read(`${direct}/index.css`) !== null ? `${direct}/index.css` : undefined;
}

/** A url() of the project, relative to the stylesheet (for one in node_modules, relative to it there). */
function resolveStylesheetPath(dir: string, target: string, files: CssFiles): string | undefined {
  const path = joinImportPath(dir, decodeURI(target));
  return files.bytes(path) !== null ? path : undefined;
}

const RESERVED = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await".split(
    " ",
  ),
);

/**
 * CSS modules: every class a style rule's selector names (top level, or in
 * @media, @supports, @layer, @container) is renamed `_<name>_<hash of the
 * file>`, as Vite builds them; `:global(.x)` keeps `x` and `:local(.x)` scopes
 * it. Keyframe names and nested rules' selectors are left as written.
 */
export function scopeClasses(css: string, path: string): { css: string; classes: Record<string, string> } {
  const suffix = hashBytes(new TextEncoder().encode(path)).slice(0, 5);
  const classes: Record<string, string> = {};
  const preludes: [number, number][] = [];
  const stack: ("rule" | "group" | "other")[] = [];
  let start = 0;
  for (let i = 0; i < css.length; i++) {
    const c = css[i];
    if (c === "/" && css[i + 1] === "*") {
      const end = css.indexOf("*/", i + 2);
      i = end < 0 ? css.length : end + 1;
    } else if (c === '"' || c === "'") {
      i = skipString(css, i);
    } else if (c === "{") {
      const prelude = css.slice(start, i).trim();
      const kind = prelude.startsWith("@") ? (/^@(media|supports|layer|container|scope)\b/i.test(prelude) ? "group" : "other") : "rule";
      if (kind === "rule" && (stack.length === 0 || stack.at(-1) === "group")) preludes.push([start, i]);
      stack.push(kind);
      start = i + 1;
    } else if (c === "}") {
      stack.pop();
      start = i + 1;
    } else if (c === ";") {
      start = i + 1;
    }
  }
  let out = css;
  for (const [from, to] of preludes.reverse())
    out = out.slice(0, from) + scopeSelector(out.slice(from, to), suffix, classes) + out.slice(to);
  return { css: out, classes };
}

function scopeSelector(selector: string, suffix: string, classes: Record<string, string>): string {
  let out = "";
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i]!;
    if (c === '"' || c === "'") {
      const end = skipString(selector, i);
      out += selector.slice(i, end + 1);
      i = end;
    } else if (c === "[") {
      const end = selector.indexOf("]", i);
      out += selector.slice(i, end < 0 ? selector.length : end + 1);
      i = end < 0 ? selector.length : end;
    } else if (selector.startsWith(":global(", i) || selector.startsWith(":local(", i)) {
      const local = selector.startsWith(":local(", i);
      const close = matchingParen(selector, i + (local ? 6 : 7));
      const inner = selector.slice(i + (local ? 7 : 8), close);
      out += local ? scopeSelector(inner, suffix, classes) : inner;
      i = close;
    } else if (c === "." && /[-_a-zA-Z\u00a0-\uffff]/.test(selector[i + 1] ?? "")) {
      const name = /^-?[_a-zA-Z\u00a0-\uffff][\w\u00a0-\uffff-]*/.exec(selector.slice(i + 1))![0];
      classes[name] ??= `_${name}_${suffix}`;
      out += `.${classes[name]}`;
      i += name.length;
    } else out += c;
  }
  return out;
}

function skipString(text: string, at: number): number {
  const quote = text[at];
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote || text[i] === "\n") return i;
  }
  return text.length;
}

function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return i;
  }
  return text.length;
}
