import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildProject, sharedDependencies, type BuildOutput } from "../src/bundler";

const REGISTRY = "https://registry.npmjs.org";
const enc = new TextEncoder();
const shared = () => sharedDependencies(env.DEPENDENCIES);

/** A PNG's first bytes: binary, not UTF-8 (a NUL and 0x89). */
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><circle r="4"/></svg>\n';

/** A front end using Vite's asset handling, as create-vite's templates and ordinary apps do. */
const APP: Record<string, string | Uint8Array> = {
  "package.json": JSON.stringify({
    dependencies: { "tiny-styles": "^1.0.0" },
    // The toolchain is never installed (the fake registry has none of it); an imported devDependency is.
    devDependencies: { vite: "^8.0.0", typescript: "~7.0.2", "@types/node": "^24.0.0", "tiny-greet": "^1.0.0" },
  }),
  "vite.config.ts": 'import { defineConfig } from "vite";\nexport default defineConfig({});\n',
  "src/vite-env.d.ts": '/// <reference types="vite/client" />\n',
  "tsconfig.json": JSON.stringify({ compilerOptions: { types: ["vite/client"] } }),
  ".env": "VITE_GREETING=hello from .env\nSECRET=never in the client\n",
  "index.html": '<!doctype html><html><body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>',
  "public/vite.svg": SVG,
  "src/assets/logo.svg": SVG,
  "src/assets/hero.png": PNG,
  "src/assets/notes.txt": "plain notes\n",
  "src/assets/bg.png": PNG,
  "src/style.css":
    '@import "./base.css";\n@import "tiny-styles";\n@import "tiny-styles/extra.css";\nbody { background: url(./assets/bg.png) no-repeat; }\n.keep { background: url("data:image/gif;base64,R0lGODlhAQABAAAAACw=") ; mask: url(/vite.svg); }\n',
  "src/base.css": "h1 { font-size: 2rem; }\n",
  "src/card.module.css":
    ".card { padding: 1rem; }\n.card-title:hover, :global(.shared) .card { color: red; }\n@media (min-width: 40rem) { .wide { width: 100%; } }\n",
  "src/main.ts": [
    'import "./style.css";',
    'import logo from "./assets/logo.svg";',
    'import hero from "./assets/hero.png";',
    'import heroUrl from "./assets/hero.png?url";',
    'import notes from "./assets/notes.txt?raw";',
    'import inlined from "./assets/logo.svg?inline";',
    'import publicLogo from "/vite.svg";',
    'import styles from "./card.module.css";',
    'import { greet } from "tiny-greet";',
    '// The word "vite" in a string is no import of it.',
    'document.body.className = "vite";',
    "document.body.dataset.values = JSON.stringify({ logo, hero, heroUrl, notes, inlined, publicLogo, card: styles.card, title: styles['card-title'], greet: greet('you') });",
    "",
  ].join("\n"),
};

function tree(files: Record<string, string | Uint8Array>): Map<string, Uint8Array> {
  return new Map(Object.entries(files).map(([path, content]) => [path, typeof content === "string" ? enc.encode(content) : content]));
}

async function build(files: Record<string, string | Uint8Array>, modules: boolean) {
  return buildProject({ files: tree(files), ...shared(), registry: REGISTRY, modules });
}

/** Every client module the output serves, joined. */
function clientCode(output: BuildOutput): string {
  return Object.entries(output.assets)
    .filter(([path, content]) => path.endsWith(".js") && typeof content === "string")
    .map(([, code]) => code)
    .join("\n");
}

describe("Vite asset handling, on both build paths", () => {
  for (const modules of [false, true]) {
    it(`${modules ? "module path" : "bundled"}: assets are hashed URLs served with their bytes; ?url, ?raw, ?inline, public/, CSS, CSS modules`, async () => {
      const result = await build(APP, modules);
      expect(result.errors).toEqual([]);
      const output = result.output!;
      const code = clientCode(output);
      const urls = Object.keys(output.assets).filter((path) => path.startsWith("/assets/"));
      const logo = urls.find((url) => /^\/assets\/logo-[0-9a-f]{8}\.svg$/.test(url));
      const hero = urls.find((url) => /^\/assets\/hero-[0-9a-f]{8}\.png$/.test(url));
      expect(logo).toBeDefined();
      expect(hero).toBeDefined();
      expect(output.assets[hero!]).toEqual(PNG);
      expect(new TextDecoder().decode(output.assets[logo!] as Uint8Array)).toBe(SVG);
      expect(code).toContain(JSON.stringify(logo));
      expect(code).toContain(JSON.stringify(hero));
      expect(code).toContain(JSON.stringify("plain notes\n"));
      expect(code).toContain(`"data:image/svg+xml;base64,${btoa(SVG)}"`);
      expect(code).toContain('"/vite.svg"');
      // CSS: imports inlined (the project's, a package's `style` entry, a package file), url() to the emitted copy.
      const bg = urls.find((url) => /^\/assets\/bg-[0-9a-f]{8}\.png$/.test(url));
      expect(bg).toBeDefined();
      expect(code).toContain(bg);
      expect(code).not.toContain("url(./assets/bg.png)");
      expect(code).toContain("h1 { font-size: 2rem; }");
      expect(code).toContain(".tiny-base { color: rebeccapurple; }");
      expect(code).toContain(".tiny-extra { margin: 0; }");
      expect(code).not.toContain("@import");
      expect(code).toContain("data:image/gif;base64,R0lGODlhAQABAAAAACw=");
      expect(code).toContain("url(/vite.svg)");
      // CSS modules: scoped names, the mapping exported; :global kept as written.
      const scoped = /\._card_([0-9a-f]{5}) \{ padding: 1rem; \}/.exec(code);
      expect(scoped).not.toBeNull();
      expect(code).toContain(`._card-title_${scoped![1]}:hover, .shared ._card_${scoped![1]} { color: red; }`);
      expect(code).toContain(`@media (min-width: 40rem) { ._wide_${scoped![1]} { width: 100%; } }`);
      expect(code).toMatch(new RegExp(`"card-title":\\s*"_card-title_${scoped![1]}"`));
      // The imported devDependency is installed; the toolchain is not (the fake registry has no vite).
      expect(code).toMatch(/tiny-greet|Hello, /);
      expect(result.warnings.join("\n")).not.toMatch(/vite@|typescript@/);
    });
  }

  it("gives import.meta.env as vite build does: MODE, PROD, BASE_URL and only the VITE_ variables of .env", async () => {
    const result = await build(
      {
        ...APP,
        "src/main.ts":
          "document.title = [import.meta.env.MODE, import.meta.env.PROD, import.meta.env.DEV, import.meta.env.BASE_URL, import.meta.env.VITE_GREETING, JSON.stringify(import.meta.env)].join('|');\n",
        ".env.production": "VITE_STAGE='prod'\n",
      },
      true,
    );
    expect(result.errors).toEqual([]);
    const code = clientCode(result.output!);
    expect(code).toContain('"production"');
    expect(code).toContain('"hello from .env"');
    expect(code).toMatch(/VITE_STAGE"?:\s*"prod"/);
    // Only esbuild's comment naming the define is left.
    expect(code).not.toMatch(/(?<!define:)import\.meta\.env/);
    expect(code).not.toContain("never in the client");
  });

  it("refuses a file no loader takes with an error naming the importer, never a JavaScript syntax error", async () => {
    for (const modules of [false, true]) {
      const result = await build(
        { ...APP, "src/shader.glsl": "void main() {}\n", "src/main.ts": 'import shader from "./shader.glsl";\nconsole.log(shader);\n' },
        modules,
      );
      expect(result.ok).toBe(false);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatchObject({ file: "src/main.ts", line: 1 });
      expect(result.errors[0]!.message).toContain('src/main.ts imports "./shader.glsl", a .glsl file the build cannot load as a module');
      expect(result.errors[0]!.message).toContain("?raw");
    }
  });

  it("says a Sass stylesheet is not supported yet, at its import", async () => {
    const result = await build(
      { ...APP, "src/theme.scss": "$red: #f00;\nh1 { color: $red; }\n", "src/main.ts": 'import "./theme.scss";\n' },
      true,
    );
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      expect.objectContaining({
        file: "src/main.ts",
        line: 1,
        message: expect.stringContaining('src/main.ts imports "./theme.scss": Sass stylesheets (.scss) are not supported by the build yet'),
      }),
    ]);
  });

  it("locates a stylesheet @import that names no file", async () => {
    const result = await build({ ...APP, "src/style.css": 'h1 { color: red; }\n@import "./missing.css";\n' }, true);
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toMatchObject({ file: "src/style.css", line: 2 });
    expect(result.errors[0]!.message).toContain('Cannot resolve the stylesheet "./missing.css"');
  });
});

describe("index.html's own references and tsconfig's decorators", () => {
  for (const modules of [false, true]) {
    it(`${modules ? "module path" : "bundled"}: a linked stylesheet and an image of the project become hashed copies; public/ stays`, async () => {
      const result = await build(
        {
          ...APP,
          "index.html":
            '<!doctype html><html><head><link rel="stylesheet" href="./src/style.css" /><link rel="icon" href="/vite.svg" /></head>' +
            '<body><img src="/src/assets/hero.png" /><script type="module" src="/src/main.ts"></script></body></html>',
        },
        modules,
      );
      expect(result.errors).toEqual([]);
      const output = result.output!;
      const html = output.assets["/index.html"] as string;
      const sheet = /<link rel="stylesheet" href="(\/assets\/style-[0-9a-f]{8}\.css)"/.exec(html)?.[1];
      expect(sheet).toBeDefined();
      const css = new TextDecoder().decode(output.assets[sheet!] as Uint8Array);
      expect(css).toContain(".tiny-base { color: rebeccapurple; }");
      expect(css).toMatch(/url\("\/assets\/bg-[0-9a-f]{8}\.png"\)/);
      expect(html).toMatch(/<img src="\/assets\/hero-[0-9a-f]{8}\.png"/);
      expect(html).toContain('<link rel="icon" href="/vite.svg"');
    });
  }

  it("compiles TypeScript decorators as tsconfig says (experimentalDecorators, as Lit's template sets it)", async () => {
    const source = [
      "const seen: string[] = [];",
      "function tag(name: string) { return (target: unknown) => { seen.push(name + ':' + typeof target); }; }",
      '@tag("widget")',
      "export class Widget {}",
      "document.title = seen.join();",
      "",
    ].join("\n");
    const files = { ...APP, "src/main.ts": source };
    const legacy = await build({ ...files, "tsconfig.json": JSON.stringify({ compilerOptions: { experimentalDecorators: true } }) }, true);
    expect(legacy.errors).toEqual([]);
    // TypeScript's legacy decorators call the decorator with the class itself, through esbuild's __decorateClass.
    expect(clientCode(legacy.output!)).toContain("__decorateClass");
    const standard = await build({ ...files, "tsconfig.json": "{}" }, true);
    expect(standard.errors).toEqual([]);
    expect(clientCode(standard.output!)).not.toContain("__decorateClass");
  });
});

describe("new URL(…, import.meta.url)", () => {
  it("points at the emitted copy of the file, as Vite rewrites it", async () => {
    for (const modules of [false, true]) {
      const result = await build(
        { ...APP, "src/main.ts": 'document.body.style.backgroundImage = `url(${new URL("./assets/bg.png", import.meta.url).href})`;\n' },
        modules,
      );
      expect(result.errors).toEqual([]);
      const code = clientCode(result.output!);
      const url = /new URL\("(\/assets\/bg-[0-9a-f]{8}\.png)", import\.meta\.url\)/.exec(code)?.[1];
      expect(url).toBeDefined();
      expect(result.output!.assets[url!]).toEqual(PNG);
    }
  });
});
