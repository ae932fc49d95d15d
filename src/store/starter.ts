/**
 * The app a project starts from when it is created without files: a Hono
 * server, a React client in the Vite layout (root index.html + src/main.tsx)
 * and one passing test that runs both in our sandbox and under the Workers
 * Vitest integration.
 */
export const STARTER_FILES: Readonly<Record<string, string>> = {
  "package.json": json({
    name: "starter-app",
    private: true,
    type: "module",
    scripts: { test: "vitest run" },
    dependencies: { hono: "^4.13.0", react: "^19.2.0", "react-dom": "^19.2.0" },
    devDependencies: {
      "@cloudflare/vitest-pool-workers": "0.15.1",
      "@types/react": "^19.2.0",
      "@types/react-dom": "^19.2.0",
      typescript: "^5.9.0",
      vitest: "4.1.12",
      wrangler: "4.86.0",
    },
  }),
  "wrangler.toml": lines('name = "starter-app"', 'main = "src/server.ts"', 'compatibility_date = "2026-04-26"'),
  "index.html": lines(
    "<!doctype html>",
    '<html lang="en">',
    "  <head>",
    '    <meta charset="UTF-8" />',
    '    <meta name="viewport" content="width=device-width, initial-scale=1.0" />',
    "    <title>Starter app</title>",
    "  </head>",
    "  <body>",
    '    <div id="root"></div>',
    '    <script type="module" src="/src/main.tsx"></script>',
    "  </body>",
    "</html>",
  ),
  "src/server.ts": lines(
    'import { Hono } from "hono";',
    "",
    "const app = new Hono();",
    "",
    'app.get("/api/hello", (c) => c.json({ message: "Hello from the server" }));',
    "",
    "export default app;",
  ),
  "src/main.tsx": lines(
    'import { StrictMode } from "react";',
    'import { createRoot } from "react-dom/client";',
    'import { App } from "./App";',
    'import "./styles.css";',
    "",
    'createRoot(document.getElementById("root")!).render(',
    "  <StrictMode>",
    "    <App />",
    "  </StrictMode>,",
    ");",
  ),
  "src/App.tsx": lines(
    'import { useEffect, useState } from "react";',
    "",
    "export function App() {",
    '  const [message, setMessage] = useState("Loading…");',
    "",
    "  useEffect(() => {",
    '    fetch("/api/hello")',
    "      .then((res) => res.json() as Promise<{ message: string }>)",
    "      .then((body) => setMessage(body.message))",
    '      .catch(() => setMessage("The server did not answer."));',
    "  }, []);",
    "",
    "  return (",
    '    <main className="app">',
    "      <h1>Starter app</h1>",
    "      <p>{message}</p>",
    "    </main>",
    "  );",
    "}",
  ),
  "src/styles.css": lines(
    "body {",
    "  margin: 0;",
    "  font-family: system-ui, sans-serif;",
    "  background: #f6f7f9;",
    "}",
    "",
    ".app {",
    "  max-width: 40rem;",
    "  margin: 4rem auto;",
    "  padding: 0 1rem;",
    "}",
  ),
  "test/server.test.ts": lines(
    'import { SELF } from "cloudflare:test";',
    'import { describe, expect, it } from "vitest";',
    "",
    'describe("server", () => {',
    '  it("answers /api/hello", async () => {',
    '    const res = await SELF.fetch("http://example.com/api/hello");',
    "    expect(res.status).toBe(200);",
    '    expect(await res.json()).toEqual({ message: "Hello from the server" });',
    "  });",
    "});",
  ),
  "vitest.config.ts": lines(
    'import { cloudflareTest } from "@cloudflare/vitest-pool-workers";',
    'import { defineConfig } from "vitest/config";',
    "",
    "export default defineConfig({",
    '  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],',
    "});",
  ),
  "tsconfig.json": json({
    compilerOptions: {
      target: "es2022",
      module: "es2022",
      moduleResolution: "bundler",
      jsx: "react-jsx",
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: ["@cloudflare/vitest-pool-workers/types"],
    },
    include: ["src", "test"],
  }),
};

function lines(...text: string[]): string {
  return `${text.join("\n")}\n`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
