import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildProject, sharedDependencies } from "../src/bundler";
import { answerOf } from "./helpers";

const REGISTRY = "https://registry.npmjs.org";
const enc = new TextEncoder();

const build = (files: Record<string, string>, modules: boolean) =>
  buildProject({
    files: new Map(Object.entries(files).map(([path, content]) => [path, enc.encode(content)])),
    ...sharedDependencies(env.DEPENDENCIES),
    registry: REGISTRY,
    modules,
  });

/** A solution-style tsconfig.json, as create-vite writes it: the app's settings are in a referenced file, through `extends`. */
const SOLUTION = {
  "tsconfig.json":
    '{\n  "files": [],\n  // the app and the tooling\n  "references": [{ "path": "./tsconfig.node.json" }, { "path": "./tsconfig.app.json" }],\n}\n',
  "tsconfig.node.json": JSON.stringify({
    compilerOptions: { jsxImportSource: "not-the-app", paths: { "@/*": ["./tools/*"] } },
    include: ["vite.config.ts"],
  }),
  "tsconfig.app.json": JSON.stringify({ extends: "./config/tsconfig.base.json", include: ["src"] }),
  "config/tsconfig.base.json": JSON.stringify({
    compilerOptions: {
      jsx: "react-jsx",
      jsxImportSource: "hono/jsx",
      baseUrl: "..",
      paths: { "@/*": ["./src/*"], greeter: ["./node_modules/tiny-greet/index.js"] },
    },
  }),
};

describe("tsconfig settings as tsc -b and Vite read them", () => {
  for (const modules of [true, false]) {
    it(`${modules ? "module path" : "bundled"}: jsxImportSource and paths through references and extends`, async () => {
      const result = await build(
        {
          ...SOLUTION,
          "package.json": JSON.stringify({ dependencies: { hono: "^4.0.0", "tiny-greet": "^1.0.0" } }),
          "src/index.tsx": [
            'import { Hono } from "hono";',
            'import { Title } from "@/components/title";',
            'import { greet } from "greeter";',
            "const app = new Hono();",
            'app.get("/", (c) => c.html(<Title text={greet("tsconfig")} />));',
            "export default app;",
            "",
          ].join("\n"),
          "src/components/title.tsx": 'export const Title = (props: { text: string }) => <h1 class="title">{props.text}</h1>;\n',
        },
        modules,
      );
      expect(result.errors).toEqual([]);
      expect(await answerOf(result.output!)).toBe('<h1 class="title">Hello, tsconfig!</h1>');
    });
  }

  it("an import under no pattern and no package still fails, located", async () => {
    const result = await build(
      { ...SOLUTION, "src/index.ts": 'import { x } from "@/missing";\nexport default { fetch: () => new Response(x) };\n' },
      true,
    );
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toMatchObject({ file: "src/index.ts", line: 1, column: 19 });
    expect(result.errors[0]!.message).toContain('tsconfig "paths" map it to /src/missing');
  });
});

describe("JSX in .js files, as Create React App projects write it", () => {
  for (const modules of [true, false]) {
    it(`${modules ? "module path" : "bundled"}: a .js component with JSX builds`, async () => {
      const result = await build(
        {
          "package.json": JSON.stringify({ dependencies: { hono: "^4.0.0" } }),
          "tsconfig.json": JSON.stringify({ compilerOptions: { jsxImportSource: "hono/jsx" } }),
          "src/index.js":
            'import { Hono } from "hono";\nimport { Hello } from "./hello.js";\nconst app = new Hono();\napp.get("/", (c) => c.html(<Hello name="js" />));\nexport default app;\n',
          "src/hello.js": "export const Hello = ({ name }) => <p>Hello, {name} &lt; 2 &amp;&amp; {1 < 2 ? 'yes' : 'no'}</p>;\n",
        },
        modules,
      );
      expect(result.errors).toEqual([]);
      expect(await answerOf(result.output!)).toBe("<p>Hello, js &lt; 2 &amp;&amp; yes</p>");
    });
  }
});
