import { isUtf8 } from "node:buffer";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, relative } from "node:path";
import type { Page } from "playwright-core";
import { run } from "./shell";

/** Where create-vite (pinned in devDependencies) keeps its templates. */
const CREATE_VITE = join(process.cwd(), "node_modules", "create-vite");
/** Where create-cloudflare (pinned too) keeps its template overlays. */
const CREATE_CLOUDFLARE = join(process.cwd(), "node_modules", "create-cloudflare");

type Files = Record<string, string | { content: string; encoding: "base64" }>;

/** A directory's files as POST /api/projects takes them (`_gitignore` becomes `.gitignore`, as create-vite writes it). */
function filesOf(root: string): Files {
  const files: Files = {};
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

/** A create-vite template as `npm create vite` writes it. */
export function templateFiles(name: string): Files {
  return filesOf(join(CREATE_VITE, `template-${name}`));
}

/**
 * Cloudflare's React + Worker template as `npm create cloudflare -- --framework=react`
 * writes it: create-vite's react-ts, create-cloudflare's overlay (worker/, wrangler.jsonc)
 * with its placeholders filled, and the Cloudflare Vite plugin added to vite.config.ts.
 */
export function cloudflareReactFiles(): Files {
  const files = { ...templateFiles("react-ts"), ...filesOf(join(CREATE_CLOUDFLARE, "templates", "react", "workers", "ts")) };
  files["wrangler.jsonc"] = (files["wrangler.jsonc"] as string)
    .replace("<WORKER_NAME>", "react-app")
    .replace("<COMPATIBILITY_DATE>", "2026-04-01");
  files["vite.config.ts"] = (files["vite.config.ts"] as string)
    .replace(
      "import { defineConfig } from 'vite'",
      "import { defineConfig } from 'vite'\nimport { cloudflare } from '@cloudflare/vite-plugin'",
    )
    .replace("plugins: [react()]", "plugins: [react(), cloudflare()]");
  return files;
}

/**
 * The layout of Cloudflare's vite-react-template (cloudflare/templates, which
 * no npm package publishes): create-vite's react-ts with its client moved to
 * src/react-app/, and of our own a Hono Worker in src/worker/ and a
 * wrangler.json naming it as `main`, with `assets.directory` set to the
 * Cloudflare plugin's client output and single-page-app routing.
 */
export function workerInSrcFiles(): Files {
  const files: Files = {};
  for (const [path, content] of Object.entries(cloudflareReactFiles())) {
    if (path.startsWith("worker/") || path === "wrangler.jsonc") continue;
    files[path.startsWith("src/") ? `src/react-app/${path.slice("src/".length)}` : path] = content;
  }
  files["index.html"] = (files["index.html"] as string).replace("/src/main.tsx", "/src/react-app/main.tsx");
  const manifest = JSON.parse(files["package.json"] as string) as { dependencies: Record<string, string> };
  manifest.dependencies.hono = "^4.0.0";
  files["package.json"] = JSON.stringify(manifest, null, 2);
  files["src/worker/index.ts"] =
    'import { Hono } from "hono";\n\nconst app = new Hono();\napp.get("/api/", (c) => c.json({ name: "Cloudflare" }));\n\nexport default app;\n';
  files["wrangler.json"] = JSON.stringify({
    name: "worker-in-src",
    main: "./src/worker/index.ts",
    compatibility_date: "2026-04-01",
    compatibility_flags: ["nodejs_compat"],
    assets: { directory: "./dist/client", not_found_handling: "single-page-application" },
  });
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
export async function viteBuild(files: Files): Promise<{ url: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "forge-vite-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof content === "string" ? content : Buffer.from(content.content, "base64"));
  }
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
      // A browser may keep a connection open: close() alone would wait for it.
      server.closeAllConnections();
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
