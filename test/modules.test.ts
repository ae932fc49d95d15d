import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildProject, sharedDependencies, type BuildResult } from "../src/bundler";
import { STARTER_FILES } from "../src/store";
import { commit, createProject } from "./helpers";

const REGISTRY = "https://registry.npmjs.org";
const enc = new TextEncoder();

function tree(files: Record<string, string>): Map<string, Uint8Array> {
  return new Map(Object.entries(files).map(([path, content]) => [path, enc.encode(content)]));
}

function build(files: Record<string, string>, modules: boolean): Promise<BuildResult> {
  return buildProject({ files: tree(files), ...sharedDependencies(env.DEPENDENCIES), registry: REGISTRY, modules });
}

const preview = (label: string, path = "/") => SELF.fetch(`http://${label}.preview.localhost:8787${path}`);

describe("the module path (previews)", () => {
  it("builds the starter file by file: worker modules, browser ES modules, the same vendor bundles as the bundled build", async () => {
    const modules = await build(STARTER_FILES, true);
    expect(modules.errors).toEqual([]);
    const output = modules.output!;
    // The environment module (the config's bindings, `scheduled` on demand) is in front of the entry.
    expect(output.mainModule).toBe("__environment.js");
    expect(output.modules["__environment.js"]).toContain('import app from "./index.js";');
    expect(output.modules["index.js"]).toBe(
      'import "./dependencies.js";\nexport * from "./src/server.js";\nexport { default } from "./src/server.js";\n',
    );
    expect(output.modules["src/server.js"]).toContain('from "../_deps/hono.js"');
    expect(output.modules["_deps/hono.js"]).toContain("export { __shimExport0 as Hono };");
    expect(output.modules["app.js"]).toBeUndefined();
    const main = output.assets["/main.js"] as string;
    expect(main).toContain('from "/_modules/src/App.js"');
    expect(main).toContain('import "/_modules/src/styles.css.js"');
    expect(main).toContain('from "/_modules/_deps/react-dom__client.js"');
    expect(output.assets["/_modules/src/styles.css.js"]).toContain("style.textContent");
    expect(output.assets["/_modules/_deps/react.js"]).toContain(
      "export { __shimExport0 as StrictMode, __shimExport1 as useEffect, __shimExport2 as useState };",
    );
    // The vendors are the bundled build's own (same keys): one shared cache serves both paths.
    const bundled = (await build(STARTER_FILES, false)).output!;
    expect(output.modules["dependencies.js"]).toBe(bundled.modules["dependencies.js"]);
    const vendors = (assets: Record<string, unknown>) => Object.keys(assets).filter((path) => path.startsWith("/_deps/"));
    expect(vendors(output.assets)).toEqual(vendors(bundled.assets));
    expect(output.assets["/index.html"]).toBe(bundled.assets["/index.html"]);
  });

  it("answers what the bundled build answers for errors: it bundles whenever a file is off the module path", async () => {
    const cases: Record<string, string>[] = [
      { "src/index.ts": "export default {\n  fetch() { return new Response( }\n};\n" },
      { "src/index.ts": 'import { x } from "./missing";\nexport default { fetch: () => new Response(x) };\n' },
      { "src/index.ts": 'import { greet } from "not-installed";\nexport default { fetch: () => new Response(greet()) };\n' },
      { "src/index.tsx": "export default { fetch: () => new Response(<div>) };\n" },
      // What sucrase lets through and esbuild refuses: an early error, a missing export.
      { "src/index.ts": "let a = 1;\nlet a = 2;\nexport default { fetch: () => new Response(String(a)) };\n" },
      {
        "src/index.ts": 'import { helper } from "./util";\nexport default { fetch: () => new Response(helper()) };\n',
        "src/util.ts": 'export const helpr = () => "x";\n',
      },
    ];
    for (const files of cases) {
      const [onModules, bundled] = [await build(files, true), await build(files, false)];
      expect(bundled.ok, JSON.stringify(files)).toBe(false);
      expect(onModules.errors).toEqual(bundled.errors);
    }
  });

  it("bundles what the module path would compile differently: value namespaces, decorators, CommonJS", async () => {
    const cases: Record<string, string>[] = [
      {
        "src/index.ts":
          'namespace Greeting {\n  export const text = "hi";\n}\nexport default { fetch: () => new Response(Greeting.text) };\n',
      },
      {
        "src/index.ts":
          'function logged(value: unknown, _context: unknown) { return value; }\nclass Greeter {\n  @logged hi() { return "hi"; }\n}\nexport default { fetch: () => new Response(new Greeter().hi()) };\n',
      },
      {
        "src/index.ts": 'const { text } = require("./text.cjs");\nexport default { fetch: () => new Response(text) };\n',
        "src/text.cjs": 'module.exports = { text: "hi" };\n',
      },
      // A barrel re-exporting a type: esbuild drops the type's name, which a runtime would fail to link.
      {
        "src/index.ts":
          'import { greeting, type Greeting } from "./types";\nconst g: Greeting = greeting;\nexport default { fetch: () => new Response(g.text) };\n',
        "src/types/index.ts": 'export { Greeting, greeting } from "./greeting";\n',
        "src/types/greeting.ts": 'export interface Greeting { text: string }\nexport const greeting = { text: "hi" };\n',
      },
      {
        "src/index.ts": 'import { name } from "./data.json";\nexport default { fetch: () => new Response(name) };\n',
        "src/data.json": '{ "name": "x" }\n',
      },
      { "src/index.ts": "export default { fetch: () => new Response(process.env.NODE_ENV) };\n" },
    ];
    for (const files of cases) {
      const onModules = await build(files, true);
      expect(onModules.errors, JSON.stringify(files)).toEqual([]);
      expect(onModules.output!.modules["bundle.js"], JSON.stringify(files)).toBeDefined();
    }
  });

  it("serves a worker of many modules: nested relative imports, JSON, a namespace import, a re-export", async () => {
    const { id } = await createProject({
      "package.json": JSON.stringify({ dependencies: { hono: "^4.13.0" } }),
      "src/index.ts":
        'import * as hono from "hono";\nimport { route } from "./routes/api/route";\nexport default new hono.Hono().get("/", (c) => c.json(route()));\n',
      "src/routes/api/route.ts":
        'import data from "../../data.json";\nimport { upper } from "../../lib";\nexport const route = (): { name: string } => ({ name: upper(data.name) });\n',
      "src/lib/index.ts": 'export { upper } from "./text";\n',
      "src/lib/text.ts": "export const upper = (s: string) => s.toUpperCase();\n",
      "src/data.json": '{ "name": "modules" }\n',
    });
    expect(await (await preview(id)).json()).toEqual({ name: "MODULES" });
    await commit(id, 1, [{ op: "put", path: "src/lib/text.ts", content: "export const upper = (s: string) => `${s.toUpperCase()}!`;\n" }]);
    expect(await (await preview(id)).json()).toEqual({ name: "MODULES!" });
  });

  it("keeps each line where it was, so a stack trace names the file and line of the source", async () => {
    const { id } = await createProject({
      "src/index.ts":
        'import { fail } from "./fail";\n\nexport default {\n  fetch(): Response {\n    try {\n      fail();\n    } catch (error) {\n      return new Response((error as Error).stack);\n    }\n    return new Response("no");\n  },\n};\n',
      "src/fail.ts": 'type Unused = { a: number };\n\nexport function fail(): never {\n  throw new Error("here");\n}\n',
    });
    const stack = await (await preview(id)).text();
    expect(stack).toContain("src/fail.js:4:");
    expect(stack).toContain("src/index.js:6:");
  });
});
