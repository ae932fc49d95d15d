import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildProject, sharedDependencies } from "../src/bundler";
import { answerOf } from "./helpers";

const REGISTRY = "https://registry.npmjs.org";
const enc = new TextEncoder();
const shared = () => sharedDependencies(env.DEPENDENCIES);

function tree(files: Record<string, string>): Map<string, Uint8Array> {
  return new Map(Object.entries(files).map(([path, content]) => [path, enc.encode(content)]));
}

const build = (files: Record<string, string>, modules = true) =>
  buildProject({ files: tree(files), ...shared(), registry: REGISTRY, modules });

const packageJson = JSON.stringify({ dependencies: { "deep-pkg": "^1.0.0", "exports-pkg": "^1.0.0" } });

describe("package subpaths resolve as Node and Vite resolve them", () => {
  it("a deep import of a package without exports is that file, not the package's main entry", async () => {
    const result = await build({
      "package.json": packageJson,
      "src/index.ts": [
        'import chunk from "deep-pkg/chunk";',
        'import fp from "deep-pkg/fp";',
        'import platform from "deep-pkg/lib/platform";',
        'import { feature } from "exports-pkg/feature";',
        "export default { fetch: () => new Response(JSON.stringify([chunk([1, 2, 3, 4], 2), fp, platform, feature])) };",
        "",
      ].join("\n"),
    });
    expect(result.errors).toEqual([]);
    // A worker resolves exports with wrangler's conditions (workerd, worker, browser; never node).
    expect(JSON.parse(await answerOf(result.output!))).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
      "fp",
      "node",
      "browser",
    ]);
  });

  it("client code gets the browser field's files and the exports map's browser condition", async () => {
    const result = await build({
      "package.json": packageJson,
      "index.html": '<script type="module" src="/src/main.ts"></script>',
      "src/main.ts":
        'import platform from "deep-pkg/lib/platform";\nimport { feature } from "exports-pkg/feature";\nconsole.log(platform, feature);\n',
    });
    expect(result.errors).toEqual([]);
    const vendor = Object.entries(result.output!.assets).find(([path]) => path.startsWith("/_deps/"))![1] as string;
    expect(vendor).toContain('module.exports = "browser"');
    expect(vendor).not.toContain('module.exports = "node"');
    expect(vendor).toContain('feature = "browser"');
  });

  for (const specifier of ["deep-pkg/does-not-exist", "exports-pkg/hidden"]) {
    it(`fails with a located error for ${specifier}, on both build paths`, async () => {
      for (const modules of [true, false]) {
        const result = await build(
          {
            "package.json": packageJson,
            "src/index.ts": `import x from "${specifier}";\nexport default { fetch: () => new Response(String(x)) };\n`,
          },
          modules,
        );
        expect(result.ok).toBe(false);
        expect(result.errors).toEqual([
          expect.objectContaining({
            file: "src/index.ts",
            line: 1,
            column: 15,
            message: expect.stringContaining(`Cannot resolve "${specifier}"`),
          }),
        ]);
      }
    });
  }
});

describe("Node.js built-ins", () => {
  it("resolve in a worker with nodejs_compat: fs, os, http and their node: names", async () => {
    const result = await build({
      "wrangler.toml": 'compatibility_date = "2026-04-01"\ncompatibility_flags = ["nodejs_compat"]\n',
      "src/index.ts": [
        'import { existsSync } from "fs";',
        'import { platform } from "node:os";',
        'import { STATUS_CODES } from "http";',
        'import { join } from "node:path";',
        "export default { fetch: () => new Response(JSON.stringify([typeof existsSync, typeof platform, STATUS_CODES[404], join('a', 'b')])) };",
        "",
      ].join("\n"),
    });
    expect(result.errors).toEqual([]);
    expect(JSON.parse(await answerOf(result.output!))).toEqual(["function", "function", "Not Found", "a/b"]);
  });

  it("say what a built-in needs instead of asking for an npm package of that name", async () => {
    const worker = await build({
      "src/index.ts": 'import { readFileSync } from "fs";\nexport default { fetch: () => new Response(typeof readFileSync) };\n',
    });
    expect(worker.errors).toEqual([
      expect.objectContaining({
        file: "src/index.ts",
        line: 1,
        message: expect.stringContaining('"fs" is a Node.js built-in: add "nodejs_compat"'),
      }),
    ]);
    expect(worker.errors[0]!.message).not.toContain("package.json");
    const client = await build({
      "index.html": '<script type="module" src="/src/main.ts"></script>',
      "src/main.ts": 'import { join } from "node:path";\nconsole.log(join("a"));\n',
    });
    expect(client.errors[0]!.message).toContain('"node:path" is a Node.js built-in: browsers have no such module');
  });
});
