import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildProject, sharedDependencies } from "../src/bundler";

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
    const base = await build({ ...PAGE, "src/main.ts": "export {};\n", "vite.config.ts": "export default {\n  base: '/app/',\n}\n" });
    expect(base.errors).toEqual([
      expect.objectContaining({ file: "vite.config.ts", line: 2, message: expect.stringContaining("sets base") }),
    ]);
  });
});
