import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, commit as commitTo, createProject, expectError } from "./helpers";

const CONFIG = `{
  "name": "bindings",
  "main": "src/index.ts",
  "compatibility_date": "2026-01-01",
  "vars": { "GREETING": "hello", "LIMIT": 3, "FEATURES": { "beta": true } },
  "kv_namespaces": [{ "binding": "BLOG_EXAMPLE", "id": "0123" }],
  "r2_buckets": [
    { "binding": "BUCKET", "bucket_name": "blog" }
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
    if (pathname === "/bucket") return new Response(await tryIt(() => env.BUCKET.get("photo.png")));
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
      "wrangler.jsonc:8: env.BUCKET (R2 bucket) is not available in previews yet; using it throws an error that says so.",
      "wrangler.jsonc:10: env.AI (Workers AI) is not available in previews yet; using it throws an error that says so.",
    ]);
    const get = async (path: string) => (await SELF.fetch(new URL(path, result.previewUrl))).text();
    expect(JSON.parse(await get("/vars"))).toEqual({ greeting: "hello", limit: 3, features: { beta: true } });
    expect(await get("/kv")).toBe("first post");
    // The data view names the KV by the binding the app uses.
    expect(await (await api(`/api/projects/${id}/data`)).json()).toEqual({ kv: [{ binding: "BLOG_EXAMPLE", keys: 1 }], d1: [] });
    expect(await (await api(`/api/projects/${id}/data/kv?prefix=post:`)).json()).toEqual({
      keys: [{ name: "post:1" }],
      list_complete: true,
    });
    expect(await get("/bucket")).toBe("Error: env.BUCKET (R2 bucket) is not available in previews yet.");
    expect(await get("/ai")).toBe("Error: env.AI (Workers AI) is not available in previews yet.");
  });

  it("lists KV keys of any script page by page", async () => {
    const { id } = await createProject({
      "src/index.ts": `export default {
  async fetch(request: Request, env: { KV: KVNamespace }) {
    for (const key of ["日本-1", "日本-2", "日本-3"]) await env.KV.put(key, "x");
    const first = await env.KV.list({ prefix: "日本", limit: 2 });
    const rest = await env.KV.list({ prefix: "日本", cursor: first.list_complete ? undefined : first.cursor });
    return Response.json([first.keys.map((key) => key.name), rest.keys.map((key) => key.name), rest.list_complete]);
  },
};
`,
    });
    const result = await build(id);
    expect(await (await SELF.fetch(result.previewUrl)).json()).toEqual([["日本-1", "日本-2"], ["日本-3"], true]);
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
        "[[r2_buckets]]",
        'binding = "BUCKET"',
        'bucket_name = "blog"',
        "",
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
      "wrangler.toml:8: env.BUCKET (R2 bucket) is not available in previews yet; using it throws an error that says so.",
    ]);
    expect(await (await SELF.fetch(result.previewUrl)).text()).toBe("from toml");
  });
});

describe("POST /api/projects/:id/scheduled", () => {
  const WORKER = `export default {
  async fetch(request: Request, env: any) {
    return new Response((await env.KV.get("last-run")) ?? "never");
  },
  async scheduled(controller: ScheduledController, env: any) {
    if (controller.cron === "fail") throw new Error("the job failed");
    await env.KV.put("last-run", \`\${controller.cron} by \${env.JOB_NAME}\`);
  },
};
`;

  it("runs the app's scheduled handler once with the config's cron (or the one asked for), with its bindings", async () => {
    const { id } = await createProject({
      "wrangler.jsonc": '{ "main": "src/index.ts", "vars": { "JOB_NAME": "cleanup" }, "triggers": { "crons": ["0 3 * * *"] } }',
      "src/index.ts": WORKER,
    });
    const result = await build(id);
    expect(result.warnings).toEqual([]);
    const run = async (json: unknown) => (await api(`/api/projects/${id}/scheduled`, { method: "POST", json })).json();
    expect(await run({})).toEqual({ version: 1, cron: "0 3 * * *", outcome: "ok" });
    expect(await (await SELF.fetch(result.previewUrl)).text()).toBe("0 3 * * * by cleanup");
    expect(await run({ cron: "*/5 * * * *" })).toEqual({ version: 1, cron: "*/5 * * * *", outcome: "ok" });
    expect(await (await SELF.fetch(result.previewUrl)).text()).toBe("*/5 * * * * by cleanup");
    // A handler that throws: its error, and the exception in the project's logs.
    const failed = (await run({ cron: "fail" })) as { outcome: string; error: string };
    expect(failed).toMatchObject({ cron: "fail", outcome: "exception" });
    expect(failed.error).toContain("Error: the job failed");
  });

  it("says when there is no handler, and when the version does not build", async () => {
    const { id } = await createProject({ "src/index.ts": "export default { fetch: () => new Response('hi') };\n" });
    const run = async () => (await api(`/api/projects/${id}/scheduled`, { method: "POST", json: {} })).json();
    expect(await run()).toEqual({ version: 1, cron: "", outcome: "no_handler" });
    const broken = await createProject({ "src/index.ts": "export default {\n" });
    expect(await (await api(`/api/projects/${broken.id}/scheduled`, { method: "POST", json: {} })).json()).toMatchObject({
      version: 1,
      outcome: "build_failed",
      errors: [expect.objectContaining({ file: "src/index.ts" })],
    });
  });
});

/** A create-cloudflare template (the npm package pinned in devDependencies) as C3 writes it, placeholders filled. */
function c3Template(files: Record<string, string>, root: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files).map(([path, content]) => [
      path.slice(root.length).replace(/(^|\/)__dot__/, "$1."),
      content.replace("<WORKER_NAME>", "c3-app").replace("<COMPATIBILITY_DATE>", "2026-04-01"),
    ]),
  );
}

const C3 = "../node_modules/create-cloudflare/templates/";
const SCHEDULED = c3Template(
  import.meta.glob("../node_modules/create-cloudflare/templates/scheduled/ts/**/*", { query: "?raw", import: "default", eager: true }),
  `${C3}scheduled/ts/`,
);
const WITH_ASSETS = c3Template(
  import.meta.glob("../node_modules/create-cloudflare/templates/hello-world-with-assets/ts/**/*", {
    query: "?raw",
    import: "default",
    eager: true,
  }),
  `${C3}hello-world-with-assets/ts/`,
);

describe("create-cloudflare's templates, imported unchanged", () => {
  it("scheduled: its cron handler runs on demand, its fetch and its network calls as under wrangler dev", async () => {
    expect(Object.keys(SCHEDULED)).toContain("src/index.ts");
    const { id } = await createProject(SCHEDULED);
    const result = await build(id);
    expect(result.errors).toEqual([]);
    expect(await (await SELF.fetch(result.previewUrl)).text()).toContain("To test the scheduled handler");
    await api(`/api/projects/${id}/settings`, { method: "PUT", json: { allowedHosts: ["api.cloudflare.com"] } });
    const run = await (await api(`/api/projects/${id}/scheduled`, { method: "POST", json: {} })).json();
    expect(run).toEqual({ version: 1, cron: "* * * * *", outcome: "ok" });
    // The handler's log line: the fake network answers api.cloudflare.com 502, so "fail".
    const logs = (await (await api(`/api/projects/${id}/logs`)).json()) as { entries: { message: string }[] };
    expect(logs.entries.map((entry) => entry.message)).toContain("trigger fired at * * * * *: fail");
  });

  it("hello-world-with-assets: public/ from assets.directory, the Worker behind it", async () => {
    expect(Object.keys(WITH_ASSETS)).toContain("public/index.html");
    const { id } = await createProject(WITH_ASSETS);
    const result = await build(id);
    expect(result.errors).toEqual([]);
    const page = await SELF.fetch(result.previewUrl);
    expect(await page.text()).toContain("This page comes from a static asset");
    expect(await (await SELF.fetch(new URL("/message", result.previewUrl))).text()).toBe("Hello, World!");
    expect(await (await SELF.fetch(new URL("/random", result.previewUrl))).text()).toMatch(/^[0-9a-f-]{36}$/);
  });
});

/** A blog on D1, its schema and first post from migrations/ (as `wrangler d1 migrations` lays them out). */
const BLOG = {
  "wrangler.jsonc": JSON.stringify({
    main: "src/index.ts",
    d1_databases: [{ binding: "DB", database_name: "blog", database_id: "4567", migrations_dir: "migrations" }],
  }),
  "migrations/0001_create_posts.sql":
    "-- Migration number: 0001\nCREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, draft INTEGER NOT NULL DEFAULT 0);\n",
  "migrations/0002_first_post.sql": "INSERT INTO posts (title) VALUES ('Hello, D1');\n",
  "src/index.ts": `export default {
  async fetch(request: Request, env: { DB: D1Database }): Promise<Response> {
    const { pathname, searchParams } = new URL(request.url);
    const db = env.DB;
    if (pathname === "/posts" && request.method === "POST") {
      const { meta } = await db.prepare("INSERT INTO posts (title, draft) VALUES (?, ?)").bind(searchParams.get("title"), true).run();
      return Response.json({ id: meta.last_row_id, changes: meta.changes });
    }
    if (pathname === "/posts") return Response.json((await db.prepare("SELECT id, title, draft FROM posts ORDER BY id").all()).results);
    if (pathname === "/first") return Response.json(await db.prepare("SELECT title FROM posts WHERE id = ?").bind(1).first("title"));
    if (pathname === "/raw") return Response.json(await db.prepare("SELECT id, title FROM posts ORDER BY id LIMIT 1").raw({ columnNames: true }));
    if (pathname === "/batch") {
      try {
        await db.batch([db.prepare("INSERT INTO posts (title) VALUES ('kept?')"), db.prepare("INSERT INTO nope VALUES (1)")]);
      } catch (error) {
        const count = await db.prepare("SELECT COUNT(*) AS n FROM posts WHERE title = 'kept?'").first("n");
        return Response.json({ error: (error as Error).message, count });
      }
    }
    if (pathname === "/migrations") return Response.json((await db.prepare("SELECT name FROM d1_migrations ORDER BY id").all()).results);
    return new Response("not found", { status: 404 });
  },
};
`,
  "test/posts.test.ts": `import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";

it("starts from the migrations, and what it writes stays in the run", async () => {
  expect(await (await SELF.fetch("http://app/posts")).json()).toEqual([{ id: 1, title: "Hello, D1", draft: 0 }]);
  await SELF.fetch("http://app/posts?title=from-a-test", { method: "POST" });
  expect(await (await SELF.fetch("http://app/posts")).json()).toHaveLength(2);
});
`,
};

describe("D1 databases", () => {
  it("are SQLite databases of the project's own, with the migrations applied, D1's API and errors, kept across versions and apart from test runs", async () => {
    const { id } = await createProject(BLOG);
    const result = await build(id);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    const get = async (path: string, init?: RequestInit) => (await SELF.fetch(new URL(path, result.previewUrl), init)).json();
    expect(await get("/migrations")).toEqual([{ name: "0001_create_posts.sql" }, { name: "0002_first_post.sql" }]);
    expect(await get("/posts")).toEqual([{ id: 1, title: "Hello, D1", draft: 0 }]);
    expect(await get("/posts?title=Second", { method: "POST" })).toEqual({ id: 2, changes: 1 });
    expect(await get("/first")).toBe("Hello, D1");
    expect(await get("/raw")).toEqual([
      ["id", "title"],
      [1, "Hello, D1"],
    ]);
    // A batch is one transaction: the failing statement takes the first one back.
    const batch = (await get("/batch")) as { error: string; count: number };
    expect(batch.error).toMatch(/^D1_ERROR: no such table: nope/);
    expect(batch.count).toBe(0);

    // A test run gets a fresh database with the migrations applied, and leaves the previews' alone.
    const run = (await (await api(`/api/projects/${id}/test`, { method: "POST", json: {} })).json()) as { ok: boolean; failed: number };
    expect(run).toMatchObject({ ok: true, failed: 0 });
    expect(await get("/posts")).toEqual([
      { id: 1, title: "Hello, D1", draft: 0 },
      { id: 2, title: "Second", draft: 1 },
    ]);

    // A new version sees the same data, and its new migration is applied to it.
    const commit = await commitTo(id, 1, [
      { op: "put", path: "migrations/0003_third.sql", content: "INSERT INTO posts (title) VALUES ('Third');\n" },
    ]);
    expect(commit.status).toBe(201);
    const next = await build(id);
    expect(
      (await (await SELF.fetch(new URL("/posts", next.previewUrl))).json<unknown[]>()).map((post) => (post as { title: string }).title),
    ).toEqual(["Hello, D1", "Second", "Third"]);
    // What a person sees of the data: the tables with their rows, a page at a time.
    expect(await (await api(`/api/projects/${id}/data`)).json()).toEqual({
      kv: [{ binding: "KV", keys: 0 }],
      d1: [
        {
          binding: "DB",
          tables: [
            { name: "d1_migrations", rows: 3 },
            { name: "posts", rows: 3 },
          ],
        },
      ],
    });
    expect(await (await api(`/api/projects/${id}/data/d1/DB/posts?limit=2&offset=1`)).json()).toEqual({
      table: "posts",
      columns: ["id", "title", "draft"],
      rows: [
        [2, "Second", 1],
        [3, "Third", 0],
      ],
      total: 3,
      offset: 1,
    });
    await expectError(await api(`/api/projects/${id}/data/d1/DB/nope`), 404, "not_found");
    await expectError(await api(`/api/projects/${id}/data/d1/OTHER/posts`), 404, "not_found");
  });
});
