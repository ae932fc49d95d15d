import type { BuildError } from "../interface";
import { CssError, stylesheet, type CssFiles } from "./css";

/** A `<script type="module" src="/src/…">` of the root index.html: the file it names. */
export interface ClientEntry {
  /** The src attribute as written. */
  src: string;
  /** The project path it points at (leading `/` removed). */
  path: string;
}

const MODULE_SCRIPT = 'script[type="module"][src]';

/** Local module scripts of index.html, in document order (Vite's convention); paths are under Vite's `root`. */
export async function findClientEntries(html: string, root = ""): Promise<ClientEntry[]> {
  const entries: ClientEntry[] = [];
  await new HTMLRewriter()
    .on(MODULE_SCRIPT, {
      element(element) {
        const src = element.getAttribute("src")!;
        if (/^[a-z][a-z\d+.-]*:|^\/\//i.test(src)) return; // another origin: left alone
        entries.push({ src, path: root + src.replace(/^\.?\//, "").split(/[?#]/)[0]! });
      },
    })
    .transform(new Response(html))
    .text();
  return entries;
}

/** Points each entry's script tag at its bundle; `vendor` is loaded just before the first. */
export async function rewriteClientEntries(html: string, bundles: Map<string, string>, vendor?: string): Promise<string> {
  let first = true;
  return new HTMLRewriter()
    .on(MODULE_SCRIPT, {
      element(element) {
        const bundle = bundles.get(element.getAttribute("src")!);
        if (!bundle) return;
        // Module scripts run in document order, so the vendor's table is ready before the app.
        if (vendor && first) element.before(`<script type="module" src="${vendor}"></script>\n    `, { html: true });
        first = false;
        element.setAttribute("src", bundle);
      },
    })
    .transform(new Response(html))
    .text();
}

/** Where in index.html an entry is referenced, for error messages. */
export function locateInHtml(html: string, needle: string, file = "index.html"): Pick<BuildError, "file" | "line" | "column"> {
  const offset = html.indexOf(needle);
  if (offset < 0) return { file };
  const before = html.slice(0, offset).split("\n");
  return { file, line: before.length, column: before.at(-1)!.length + 1 };
}

const LOCAL = /^(?![a-z][a-z\d+.-]*:|\/\/|#)/i;

/**
 * What Vite does with index.html's own references: a `<link rel="stylesheet">`
 * to a project file is processed like an imported stylesheet (see css.ts) and
 * served as a hashed copy; an `<img src>` or `<link rel="icon">` to a project
 * file outside public/ points at its hashed copy. Files in public/ and other
 * origins are left as written. A stylesheet that cannot be built throws its CssError.
 */
export async function rewriteHtmlReferences(html: string, files: CssFiles): Promise<string> {
  // Most pages have none: every build would pay for a rewriter pass.
  if (!/<(img|link)\b/i.test(html)) return html;
  const local = (value: string | null) => {
    if (value === null || !LOCAL.test(value)) return undefined;
    const url = value.replace(/^\.?\//, "/").split(/[?#]/)[0]!;
    const published = files.emitted.publicFile(url);
    const path = files.emitted.layout.root + url.slice(1);
    return (published !== undefined && files.bytes(published) !== null) || files.bytes(path) === null ? undefined : path;
  };
  let failure: CssError | undefined;
  const rewritten = await new HTMLRewriter()
    .on('link[rel="stylesheet"][href]', {
      element(element) {
        const path = local(element.getAttribute("href"));
        if (!path?.endsWith(".css")) return;
        try {
          element.setAttribute("href", files.emitted.emit(path, new TextEncoder().encode(stylesheet(path, files))));
        } catch (error) {
          if (error instanceof CssError) failure ??= error;
          else throw error;
        }
      },
    })
    .on("img[src], link[rel~=icon][href]", {
      element(element) {
        const attribute = element.tagName === "img" ? "src" : "href";
        const path = local(element.getAttribute(attribute));
        if (path) element.setAttribute(attribute, files.emitted.emit(path, files.bytes(path)!));
      },
    })
    .transform(new Response(html))
    .text();
  if (failure) throw failure;
  return rewritten;
}
