import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildProject, sharedDependencies, type BundleMemo } from "../src/bundler";
import { STARTER_FILES } from "../src/store";
import { packumentRequests } from "./helpers";

const REGISTRY = "https://registry.npmjs.org";
const enc = new TextEncoder();

/** The shared dependency cache the server uses: one Durable Object per dependency set. */
const shared = () => sharedDependencies(env.DEPENDENCIES);

function tree(files: Record<string, string | Uint8Array>): Map<string, Uint8Array> {
  return new Map(Object.entries(files).map(([path, content]) => [path, typeof content === "string" ? enc.encode(content) : content]));
}

describe("build", () => {
  it("builds the starter: Hono server, React client with CSS, rewritten index.html", async () => {
    const result = await buildProject({ files: tree(STARTER_FILES), ...shared(), registry: REGISTRY });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    const output = result.output!;
    // The server's dependencies (hono) are pre-bundled too, in a module the entry runs first.
    // The environment module (the config's bindings, `scheduled` on demand) is in front of the entry.
    expect(output.mainModule).toBe("__environment.js");
    expect(output.modules["__environment.js"]).toContain('import app from "./index.js";');
    expect(output.modules["index.js"]).toBe(
      'import "./dependencies.js";\nexport * from "./app.js";\nexport { default } from "./app.js";\n',
    );
    expect(output.modules["app.js"]).toContain("Hello from the server");
    expect(output.modules["app.js"]).not.toContain("class Hono");
    expect(output.modules["dependencies.js"]).toContain("Hono");
    const html = output.assets["/index.html"] as string;
    const vendorPath =
      /<script type="module" src="(\/_deps\/[0-9a-f]{16}\.js)"><\/script>\s*<script type="module" src="\/main.js"><\/script>/.exec(
        html,
      )?.[1];
    expect(vendorPath).toBeDefined();
    // The dependencies are pre-bundled apart from the app's own code.
    const vendor = output.assets[vendorPath!] as string;
    expect(vendor).toContain("createRoot");
    expect(vendor).toMatch(/"react-dom\/client": require_client\(\)|"react-dom\/client":/);
    const client = output.assets["/main.js"] as string;
    expect(client).not.toContain("function createRoot");
    expect(client).toContain('globalThis.__appDependencies["react-dom/client"]');
    expect(client).toContain("style.textContent");
    expect(client).toContain("max-width: 40rem");
    expect(output.compatibilityDate).toBe("2026-04-26");
  });

  it("reuses an installed dependency set without asking the registry again", async () => {
    const files = {
      "package.json": JSON.stringify({ dependencies: { "tiny-greet": "^1.0.0" } }),
      "src/index.ts": 'import { greet } from "tiny-greet";\nexport default { fetch: () => new Response(greet("you")) };\n',
    };
    const first = await buildProject({ files: tree(files), ...shared(), registry: REGISTRY });
    expect(first.ok).toBe(true);
    const before = await packumentRequests("tiny-greet");
    const second = await buildProject({
      files: tree({ ...files, "src/extra.ts": "export const x = 1;\n" }),
      ...shared(),
      registry: REGISTRY,
    });
    expect(second.ok).toBe(true);
    expect(second.output!.modules["dependencies.js"]).toContain("Hello, ");
    expect(await packumentRequests("tiny-greet")).toBe(before);
    expect(second.warnings).toEqual([]);
  });

  it("installs a dependency set once when many projects ask for it at the same time", async () => {
    // slow-greet's packument takes 1.5 s: every build asks while the first install runs.
    const files = {
      "package.json": JSON.stringify({ dependencies: { "slow-greet": "^1.0.0" } }),
      "src/index.ts": 'import { greet } from "slow-greet";\nexport default { fetch: () => new Response(greet("all")) };\n',
    };
    const before = await packumentRequests("slow-greet");
    const builds = await Promise.all(
      Array.from({ length: 5 }, () => buildProject({ files: tree(files), ...shared(), registry: REGISTRY })),
    );
    expect(builds.map((build) => build.ok)).toEqual([true, true, true, true, true]);
    for (const build of builds) expect(build.output!.modules["dependencies.js"]).toContain("Hello slowly, ");
    expect(await packumentRequests("slow-greet")).toBe(before + 1);
  });

  it("builds shared vendor bundles from the installed packages alone: no project file reaches them", async () => {
    const project = (secret: string) => ({
      "package.json": JSON.stringify({ dependencies: { "reaching-greet": "1.0.0" } }),
      "src/secret.js": `export const secret = ${JSON.stringify(secret)};\n`,
      "src/index.ts": 'import { secret } from "reaching-greet";\nexport default { fetch: () => new Response(secret) };\n',
    });
    for (const modules of [true, false]) {
      const first = await buildProject({ files: tree(project("first project's secret")), ...shared(), registry: REGISTRY, modules });
      expect(first.ok).toBe(false);
      expect(first.errors[0]!.message).toContain('Cannot resolve the relative import "../../src/secret.js"');
      const second = await buildProject({ files: tree(project("second")), ...shared(), registry: REGISTRY, modules });
      expect(second.ok).toBe(false);
      expect(JSON.stringify(second)).not.toContain("first project's secret");
    }
  });

  it("re-bundles only the side an edit touched", async () => {
    const memo: BundleMemo = {};
    const common = { ...shared(), registry: REGISTRY, memo };
    const first = await buildProject({ files: tree(STARTER_FILES), ...common });
    expect(first.ok).toBe(true);
    const client = memo.browser!;
    const server = memo.worker!;
    expect([...client.inputs.keys()]).toEqual(expect.arrayContaining(["src/App.tsx", "src/styles.css", "src/main.tsx"]));
    expect([...server.inputs.keys()]).toContain("src/server.ts");

    // A server edit keeps the client bundle (the very same object) and re-bundles the server.
    const serverEdit = await buildProject({
      files: tree({ ...STARTER_FILES, "src/server.ts": STARTER_FILES["src/server.ts"]!.replace("Hello from the server", "Edited server") }),
      ...common,
    });
    expect(memo.browser).toBe(client);
    expect(memo.worker).not.toBe(server);
    expect(serverEdit.output!.modules["app.js"]).toContain("Edited server");
    expect(serverEdit.output!.assets["/main.js"]).toBe(first.output!.assets["/main.js"]);

    // A component edit re-bundles the client only.
    const serverAfter = memo.worker;
    const clientEdit = await buildProject({
      files: tree({
        ...STARTER_FILES,
        "src/server.ts": STARTER_FILES["src/server.ts"]!.replace("Hello from the server", "Edited server"),
        "src/App.tsx": STARTER_FILES["src/App.tsx"]!.replace("Starter app", "Edited client"),
      }),
      ...common,
    });
    expect(memo.worker).toBe(serverAfter);
    expect(clientEdit.output!.assets["/main.js"]).toContain("Edited client");
    expect(clientEdit.output!.modules["app.js"]).toContain("Edited server");

    // Adding a file at a path the client probed (./App resolved to ./App.tsx) invalidates it.
    await buildProject({ files: tree({ ...STARTER_FILES, "src/App.ts": "export const App = () => null;\n" }), ...common });
    expect(memo.browser!.inputs.get("src/App.ts")).not.toBeNull();
  });

  it("serves public/ files byte for byte and builds a static-only app", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 255, 1]);
    const result = await buildProject({
      files: tree({ "index.html": "<h1>Static</h1>\n", "public/logo.png": png, "public/robots.txt": "User-agent: *\n" }),
      ...shared(),
      registry: REGISTRY,
    });
    expect(result.ok).toBe(true);
    expect(result.output!.mainModule).toBeUndefined();
    expect(result.output!.assets["/logo.png"]).toEqual(png);
    expect(new TextDecoder().decode(result.output!.assets["/robots.txt"] as Uint8Array)).toBe("User-agent: *\n");
  });
});

// Both paths: previews build on the module path, which bundles whatever it cannot take, errors included.
describe.each([
  ["bundled", false],
  ["module path", true],
])("build errors are located (%s)", (_path, modules) => {
  const fails = async (files: Record<string, string>) => {
    const result = await buildProject({ files: tree(files), ...shared(), registry: REGISTRY, modules });
    expect(result.ok).toBe(false);
    expect(result.output).toBeUndefined();
    return result.errors;
  };

  it("syntax errors", async () => {
    const errors = await fails({ "src/index.ts": "export default {\n  fetch() { return new Response( }\n};\n" });
    expect(errors).toEqual([{ file: "src/index.ts", line: 2, column: 34, message: 'Unexpected "}"' }]);
  });

  it("packages the registry does not have", async () => {
    const errors = await fails({
      "package.json": JSON.stringify({ dependencies: { "no-such-package-anywhere": "^1.0.0" } }),
      "src/index.ts": 'import x from "no-such-package-anywhere";\nexport default { fetch: () => new Response(String(x)) };\n',
    });
    expect(errors[0]!.file).toBe("package.json");
    expect(errors[0]!.message).toContain("no-such-package-anywhere");
  });

  it("bare imports that are not dependencies", async () => {
    const errors = await fails({ "src/index.ts": 'export default { fetch: () => new Response("ok") };\nimport "left-pad";\n' });
    expect(errors).toEqual([
      { file: "src/index.ts", line: 2, column: 8, message: 'Cannot resolve the package "left-pad" (is it in package.json dependencies?)' },
    ]);
  });

  it("relative imports of missing files, on the server and the client", async () => {
    const errors = await fails({
      "src/index.ts": 'import { x } from "./nope";\nexport default { fetch: () => new Response(x) };\n',
    });
    expect(errors).toEqual([{ file: "src/index.ts", line: 1, column: 19, message: 'Cannot resolve the relative import "./nope"' }]);
    const client = await fails({
      "index.html": '<script type="module" src="/src/main.ts"></script>\n',
      "src/main.ts": 'import "./gone.js";\n',
    });
    expect(client).toEqual([{ file: "src/main.ts", line: 1, column: 8, message: 'Cannot resolve the relative import "./gone.js"' }]);
  });

  it("missing entries", async () => {
    expect(await fails({ "wrangler.toml": 'main = "src/worker.ts"\n', "src/index.ts": "export default {};\n" })).toEqual([
      { file: "wrangler.toml", message: 'main = "src/worker.ts" in wrangler.toml, but that file does not exist.' },
    ]);
    expect((await fails({ "README.md": "# nothing\n" }))[0]!.message).toContain("Nothing to build");
    expect(await fails({ "index.html": '<body>\n  <script type="module" src="/src/app.tsx"></script>\n' })).toEqual([
      { file: "index.html", line: 2, column: 30, message: "index.html loads /src/app.tsx, which does not exist." },
    ]);
  });
});
