import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildProject, sharedDependencies } from "../src/bundler";
import { api, createProject } from "./helpers";

const enc = new TextEncoder();
const build = (files: Record<string, string>, modules = true) =>
  buildProject({
    files: new Map(Object.entries(files).map(([path, content]) => [path, enc.encode(content)])),
    ...sharedDependencies(env.DEPENDENCIES),
    registry: "https://registry.npmjs.org",
    modules,
  });

const PAGE = { "index.html": '<div id="app"></div><script type="module" src="/src/main.ts"></script>' };

const clientCode = (assets: Record<string, string | Uint8Array>) =>
  Object.entries(assets)
    .filter(([path, code]) => path.endsWith(".js") && typeof code === "string")
    .map(([, code]) => code)
    .join("\n");

describe("vite.config, read as code and never run", () => {
  for (const modules of [true, false]) {
    it(`${modules ? "module path" : "bundled"}: resolve.alias and define apply; an unknown plugin is a warning`, async () => {
      const result = await build(
        {
          ...PAGE,
          "vite.config.ts": [
            "import { fileURLToPath, URL } from 'node:url'",
            "import path from 'node:path'",
            "import { defineConfig, type UserConfig } from 'vite'",
            "import react from '@vitejs/plugin-react'",
            "import inspect from 'vite-plugin-inspect'",
            "",
            "export default defineConfig(({ mode }) => ({",
            "  plugins: [react(), inspect()],",
            "  resolve: {",
            "    alias: {",
            "      '@': fileURLToPath(new URL('./src', import.meta.url)),",
            "      '~lib': path.resolve(__dirname, 'src/lib'),",
            "    },",
            "  },",
            "  define: { __APP_VERSION__: JSON.stringify('1.2.3'), __FLAGS__: JSON.stringify({ beta: true }) },",
            "} satisfies UserConfig))",
            "",
          ].join("\n"),
          "src/main.ts":
            'import { hello } from "@/greeting";\nimport { shout } from "~lib/shout";\ndocument.title = shout(hello) + __APP_VERSION__ + JSON.stringify(__FLAGS__);\n',
          "src/greeting.ts": 'export const hello = "hi";\n',
          "src/lib/shout.ts": "export const shout = (text: string) => text.toUpperCase();\n",
        },
        modules,
      );
      expect(result.errors).toEqual([]);
      const code = clientCode(result.output!.assets);
      expect(code).toContain('"1.2.3"');
      expect(code).toMatch(/beta:\s*true|"beta":\s*true/);
      expect(code).not.toContain("__APP_VERSION__");
      expect(code).toContain('"hi"');
      expect(code).toContain("toUpperCase");
      expect(result.warnings).toContain(
        "vite.config.ts:8: the plugin vite-plugin-inspect is not run by the build; what it adds to the app is missing.",
      );
    });
  }

  it("warns of each option it does not apply, at its line, and is silent about the dev server's and the output's", async () => {
    const result = await build({
      ...PAGE,
      "src/main.ts": "export {};\n",
      "vite.config.ts": [
        "export default {",
        "  server: { port: 3000 },",
        "  build: { outDir: 'out' },",
        "  css: { modules: { localsConvention: 'camelCase' } },",
        "  resolve: { dedupe: ['react'], extensions: ['.ts'] },",
        "  envPrefix: 'APP_',",
        "}",
        "",
      ].join("\n"),
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      "vite.config.ts:4: css is not applied by the build.",
      "vite.config.ts:5: resolve.extensions is not applied by the build.",
      "vite.config.ts:6: envPrefix is not applied by the build.",
    ]);
  });

  it("refuses a framework plugin it cannot run, and an unsupported option, naming the line", async () => {
    const vueJsx = await build({
      ...PAGE,
      "src/main.ts": "export {};\n",
      "vite.config.js":
        "import { defineConfig } from 'vite'\nimport vueJsx from '@vitejs/plugin-vue-jsx'\n\nexport default defineConfig({\n  plugins: [vueJsx()],\n})\n",
    });
    expect(vueJsx.errors).toEqual([
      {
        file: "vite.config.js",
        line: 5,
        message: "vite.config.js uses @vitejs/plugin-vue-jsx: Vue's JSX is not supported by the build yet.",
      },
    ]);
    const base = await build({
      ...PAGE,
      "src/main.ts": "export {};\n",
      "vite.config.ts": "export default {\n  base: process.env.BASE,\n}\n",
    });
    expect(base.errors).toEqual([
      expect.objectContaining({
        file: "vite.config.ts",
        line: 2,
        message: expect.stringContaining("base is not a string the build can read"),
      }),
    ]);
  });
});

describe("vite.config's root, publicDir and base", () => {
  const LOGO = '<svg xmlns="http://www.w3.org/2000/svg"/>';
  for (const modules of [true, false]) {
    it(`${modules ? "module path" : "bundled"}: the app comes from root, its public directory is publicDir, its URLs are under base`, async () => {
      const result = await build(
        {
          "package.json": "{}",
          "vite.config.ts":
            "import path from 'node:path'\nexport default {\n  root: path.resolve(__dirname, 'web'),\n  publicDir: 'static',\n  base: '/app',\n}\n",
          "web/index.html": '<link rel="icon" href="/favicon.svg"><div id="app"></div><script type="module" src="/main.ts"></script>',
          "web/.env": "VITE_GREETING=hello from web/.env\n",
          "web/main.ts":
            "import logo from './logo.svg'\nimport robots from '/robots.txt'\ndocument.body.textContent = [import.meta.env.BASE_URL, import.meta.env.VITE_GREETING, logo, robots].join(' ')\n",
          "web/logo.svg": LOGO,
          "web/static/robots.txt": "User-agent: *\n",
          "web/static/favicon.svg": LOGO,
          "web/public/ignored.txt": "not the public directory\n",
          "public/ignored.txt": "not the public directory either\n",
        },
        modules,
      );
      expect(result.errors).toEqual([]);
      const output = result.output!;
      expect(output.base).toBe("/app/");
      // publicDir (under root) is copied as is; public/ is not the public directory here.
      expect(Object.keys(output.assets)).toEqual(expect.arrayContaining(["/robots.txt", "/favicon.svg", "/index.html"]));
      expect(Object.keys(output.assets)).not.toContain("/ignored.txt");
      const code = clientCode(output.assets);
      expect(code).toContain('"/app/"');
      expect(code).toContain("hello from web/.env");
      expect(code).toMatch(/"\/app\/assets\/logo-[0-9a-f]+\.svg"/);
      expect(code).toContain('"/app/robots.txt"');
    });
  }

  it("publicDir: false copies nothing; a relative base serves at the root", async () => {
    const result = await build({
      ...PAGE,
      "src/main.ts": "document.body.textContent = import.meta.env.BASE_URL\n",
      "public/robots.txt": "User-agent: *\n",
      "vite.config.js": "export default { publicDir: false, base: './' }\n",
    });
    expect(result.errors).toEqual([]);
    expect(result.output!.base).toBeUndefined();
    expect(Object.keys(result.output!.assets)).not.toContain("/robots.txt");
  });

  it("a preview serves the app under its base, and sends the root there", async () => {
    const { id } = await createProject({
      ...PAGE,
      "src/main.ts": "import logo from './logo.svg'\ndocument.body.innerHTML = `<img src=${logo}>`\n",
      "src/logo.svg": LOGO,
      "public/robots.txt": "User-agent: *\n",
      "vite.config.ts": "export default { base: '/app/' }\n",
    });
    const built = (await (await api(`/api/projects/${id}/builds`, { method: "POST", json: {} })).json()) as {
      errors: unknown[];
      previewUrl: string;
    };
    expect(built.errors).toEqual([]);
    const root = await SELF.fetch(built.previewUrl, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("Location")).toBe("/app/");
    const page = await SELF.fetch(new URL("/app/", built.previewUrl));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    expect(await (await SELF.fetch(new URL("/app/robots.txt", built.previewUrl))).text()).toBe("User-agent: *\n");
    // main.js, and the module of the logo it imports (on the module path, each import is a module).
    let code = await (await SELF.fetch(new URL("/app/main.js", built.previewUrl))).text();
    for (const [, imported] of code.matchAll(/from\s*["'](\/_modules\/[^"']+)["']/g))
      code += await (await SELF.fetch(new URL(`/app${imported}`, built.previewUrl))).text();
    const logo = /"(\/app\/assets\/logo-[0-9a-f]+\.svg)"/.exec(code)?.[1];
    expect(logo).toBeDefined();
    const image = await SELF.fetch(new URL(logo!, built.previewUrl));
    expect(image.headers.get("Content-Type")).toContain("image/svg+xml");
    expect(await image.text()).toBe(LOGO);
  });
});
