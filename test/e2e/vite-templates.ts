import { isUtf8 } from "node:buffer";
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, relative } from "node:path";
import type { Page } from "playwright-core";
import { run } from "./shell";

/** Where create-vite (pinned in devDependencies) keeps its templates. */
const CREATE_VITE = join(process.cwd(), "node_modules", "create-vite");

/** A template's files as create-vite writes them (`_gitignore` becomes `.gitignore`), as POST /api/projects takes them. */
export function templateFiles(name: string): Record<string, string | { content: string; encoding: "base64" }> {
  const root = join(CREATE_VITE, `template-${name}`);
  const files: Record<string, string | { content: string; encoding: "base64" }> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const path = relative(root, full).replace(/(^|\/)_gitignore$/, "$1.gitignore");
        const bytes = readFileSync(full);
        files[path] = isUtf8(bytes) ? bytes.toString("utf8") : { content: bytes.toString("base64"), encoding: "base64" };
      }
    }
  };
  walk(root);
  return files;
}

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/**
 * The oracle: the template built by the real `vite build` (this repository's
 * pinned vite and plugins) and served from `dist/` by a plain static server.
 */
export async function viteBuild(name: string): Promise<{ url: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `forge-vite-${name}-`));
  cpSync(join(CREATE_VITE, `template-${name}`), dir, { recursive: true });
  renameSync(join(dir, "_gitignore"), join(dir, ".gitignore"));
  symlinkSync(join(process.cwd(), "node_modules"), join(dir, "node_modules"));
  await run(process.execPath, [join(process.cwd(), "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "error"], {
    cwd: dir,
  });
  const dist = join(dir, "dist");
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = join(dist, path === "/" ? "index.html" : path);
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a person sees of a page, once it has loaded: text, images, the counter after a click, key styles. */
export async function pageView(page: Page, url: string) {
  await page.goto(url, { waitUntil: "networkidle" });
  await page.locator("button").first().waitFor();
  const view = () =>
    page.evaluate(() => {
      interface Node {
        complete?: boolean;
        naturalWidth?: number;
        tagName: string;
        textContent: string | null;
        shadowRoot?: Root | null;
      }
      interface Root {
        querySelectorAll(selector: string): ArrayLike<Node>;
      }
      const doc = (globalThis as unknown as { document: Root & { body: { innerText: string } } }).document;
      // Lit renders into shadow roots: every element, through them.
      const all = (root: Root): Node[] =>
        Array.from(root.querySelectorAll("*")).flatMap((node) => [node, ...(node.shadowRoot ? all(node.shadowRoot) : [])]);
      const elements = all(doc);
      const style = (tag: string) => {
        const element = elements.find((node) => node.tagName.toLowerCase() === tag);
        if (!element) return null;
        const computed = (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(element);
        return {
          color: computed.color,
          fontSize: computed.fontSize,
          fontFamily: computed.fontFamily,
          background: computed.backgroundColor,
        };
      };
      const shadowText = elements.flatMap((node) => (node.shadowRoot ? [(node.shadowRoot as unknown as Node).textContent ?? ""] : []));
      return {
        // biome-ignore lint/performance/useDomNodeTextContent: the text as laid out is what a person sees.
        text: [doc.body.innerText, ...shadowText.map((text) => text.replace(/\s+/g, " ").trim())],
        images: elements
          .filter((node) => node.tagName === "IMG")
          .map((image) => ({ loaded: Boolean(image.complete && image.naturalWidth), width: image.naturalWidth })),
        sprites: elements.filter((node) => node.tagName.toLowerCase() === "use").length,
        styles: { body: style("body"), h1: style("h1"), button: style("button"), section: style("section") },
      };
    });
  const before = await view();
  await page.locator("button").first().click();
  const after = await view();
  return { before, after };
}
