import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createProject } from "./helpers";

const CONFIG = `{
  "name": "bindings",
  "main": "src/index.ts",
  "compatibility_date": "2026-01-01",
  "vars": { "GREETING": "hello", "LIMIT": 3, "FEATURES": { "beta": true } },
  "kv_namespaces": [{ "binding": "BLOG_EXAMPLE", "id": "0123" }],
  "d1_databases": [
    { "binding": "DB", "database_name": "blog", "database_id": "4567" }
  ],
  "ai": { "binding": "AI" },
  "triggers": { "crons": ["*/5 * * * *"] }
}
`;

const SERVER = `const tryIt = async (use: () => unknown) => {
  try {
    await use();
    return "no error";
  } catch (error) {
    return \`\${(error as Error).name}: \${(error as Error).message}\`;
  }
};

export default {
  async fetch(request: Request, env: any): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === "/vars") return Response.json({ greeting: env.GREETING, limit: env.LIMIT, features: env.FEATURES });
    if (pathname === "/kv") {
      await env.BLOG_EXAMPLE.put("post:1", "first post");
      return new Response(await env.BLOG_EXAMPLE.get("post:1"));
    }
    if (pathname === "/db") return new Response(await tryIt(() => env.DB.prepare("SELECT 1").first()));
    if (pathname === "/ai") return new Response(await tryIt(() => env.AI.run("@cf/meta/llama", {})));
    return new Response("not found", { status: 404 });
  },
};
`;

async function build(id: string) {
  const res = await api(`/api/projects/${id}/builds`, { method: "POST", json: {} });
  return (await res.json()) as { ok: boolean; errors: unknown[]; warnings: string[]; previewUrl: string };
}

describe("the bindings of the app's wrangler config", () => {
  it("gives the app its vars and its KV namespace under its own name, and says what a preview lacks, at build and at run time", async () => {
    const { id } = await createProject({ "wrangler.jsonc": CONFIG, "src/index.ts": SERVER });
    const result = await build(id);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      "wrangler.jsonc:8: env.DB (D1 database) is not available in previews yet; using it throws an error that says so.",
      "wrangler.jsonc:10: env.AI (Workers AI) is not available in previews yet; using it throws an error that says so.",
      "wrangler.jsonc:11: triggers.crons (the scheduled handler is not run) is not supported in previews yet.",
    ]);
    const get = async (path: string) => (await SELF.fetch(new URL(path, result.previewUrl))).text();
    expect(JSON.parse(await get("/vars"))).toEqual({ greeting: "hello", limit: 3, features: { beta: true } });
    expect(await get("/kv")).toBe("first post");
    expect(await get("/db")).toBe("Error: env.DB (D1 database) is not available in previews yet.");
    expect(await get("/ai")).toBe("Error: env.AI (Workers AI) is not available in previews yet.");
  });

  it("gives a WorkerEntrypoint class its vars too, and locates bindings in wrangler.toml", async () => {
    const { id } = await createProject({
      "wrangler.toml": [
        'name = "entrypoint"',
        'main = "src/index.ts"',
        "",
        "[vars]",
        'GREETING = "from toml"',
        "",
        "[[d1_databases]]",
        'binding = "DB"',
        'database_name = "blog"',
        'database_id = "4567"',
        "",
        "[triggers]",
        'crons = ["0 * * * *"]',
        "",
      ].join("\n"),
      "src/index.ts":
        'import { WorkerEntrypoint } from "cloudflare:workers";\n\nexport default class extends WorkerEntrypoint<{ GREETING: string }> {\n  fetch() {\n    return new Response(this.env.GREETING);\n  }\n}\n',
    });
    const result = await build(id);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      "wrangler.toml:8: env.DB (D1 database) is not available in previews yet; using it throws an error that says so.",
      "wrangler.toml:13: triggers.crons (the scheduled handler is not run) is not supported in previews yet.",
    ]);
    expect(await (await SELF.fetch(result.previewUrl)).text()).toBe("from toml");
  });
});
