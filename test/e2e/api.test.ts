import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveFakeRegistry } from "../fake-network";
import { startServer, type DevServer } from "./server";
import { run } from "./shell";

let server: DevServer;
let registry: Awaited<ReturnType<typeof serveFakeRegistry>>;
const state = mkdtempSync(join(tmpdir(), "forge-e2e-"));

beforeAll(async () => {
  // Dependencies come from a fake registry on loopback: the suite needs no network.
  registry = await serveFakeRegistry();
  server = await startServer(state, { env: { NPM_REGISTRY: registry.url, MODEL: "replay" } });
});

afterAll(async () => {
  await server?.stop();
  await registry?.close();
  rmSync(state, { recursive: true, force: true });
});

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${server.base}${path}`, init);
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

const post = <T>(path: string, body: unknown) => call<T>(path, { method: "POST", body: JSON.stringify(body) });

/** A `<!-- readme-examples: NAME … -->` block of the README, run as printed against the test server. */
function runReadmeBlock(name: string): Promise<string> {
  const readme = readFileSync("README.md", "utf8");
  const block = new RegExp(`<!-- readme-examples: ${name}[^>]*-->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
  expect(block, name).toBeDefined();
  const script = `set -euo pipefail\n${block!.replaceAll("localhost:8787", `localhost:${server.port}`)}`;
  // The chat block follows a whole turn (install, build, tests): minutes on a busy machine.
  return run("bash", ["-c", script], { timeoutMs: 240_000 });
}

describe("README examples", () => {
  it("run as printed", async () => {
    const out = await runReadmeBlock("the e2e suite");
    expect(out).toContain('"name":"demo","head":1');
    expect(out).toContain('"version":2,"parent":1');
    expect(out).toContain('"code":"conflict"');
    expect(out).toContain('"head":2');
    expect(out).toContain('export const greeting = "hi";');
    expect(out).toContain("diff --git a/public/robots.txt b/public/robots.txt\nnew file mode 100644");
    expect(out).toContain('"status":"added"');
    expect(out).toContain('"version":2,"ok":true');
    expect(out).toContain('{"message":"Hello from the server"}');
    expect(out).toContain('"ok":true,"passed":1,"failed":0');
    expect(out).toContain('"name":"server > answers /api/hello","ok":true');
    expect(out).toContain('"version":3,"parent":2');
    expect(out.trimEnd().endsWith("204")).toBe(true);
  });

  it("a chat with the replay model builds a working todo app, as printed", async () => {
    const out = await runReadmeBlock("chat");
    expect(out).toContain("event: turn.started");
    expect(out).toMatch(/event: model\.text\ndata: \{"delta":"\(This is a replay of a recorded session/);
    expect(out).toContain('event: build.finished\ndata: {"ok":true');
    expect(out).toMatch(/event: test\.finished\ndata: \{"passed":3,"failed":0/);
    expect(out).toMatch(/event: turn\.finished\ndata: \{"status":"completed","version":2/);
    expect(out).toContain('"status":"completed"');
    expect(out).toContain('+app.post("/api/todos"');
    expect(out).toContain("diff --git a/test/todos.test.ts b/test/todos.test.ts\nnew file mode 100644");
    expect(out).toMatch(/\{"id":"[\w-]+","title":"Try the agent","done":false\}\[\{"id":"[\w-]+","title":"Try the agent","done":false\}\]/);
  });
});

describe("git apply", () => {
  type Files = Record<string, string | Uint8Array>;
  const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256);
  const text = (n: number, word: string) => Array.from({ length: n }, (_, i) => `${word} ${i}`).join("\n") + "\n";

  async function tree(id: string, version: number): Promise<Files> {
    const list = await call<{ files: { path: string }[] }>(`/api/projects/${id}/files?version=${version}`);
    const files: Files = {};
    for (const { path } of list.files) {
      const res = await fetch(`${server.base}/api/projects/${id}/files/${path}?version=${version}`);
      files[path] = new Uint8Array(await res.arrayBuffer());
    }
    return files;
  }

  function writeTree(dir: string, files: Files): void {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
  }

  function readTree(dir: string): Record<string, Buffer> {
    const out: Record<string, Buffer> = {};
    const walk = (at: string) => {
      for (const entry of readdirSync(at, { withFileTypes: true })) {
        const full = join(at, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name !== "change.diff") out[relative(dir, full)] = readFileSync(full);
      }
    };
    walk(dir);
    return out;
  }

  it("turns every version into every other one", async () => {
    const { id } = await post<{ id: string }>("/api/projects", {
      files: {
        "src/app.ts": text(40, "app"),
        "src/util/strings.ts": text(12, "util"),
        "docs/guide.md": "# Guide\n\nIntro.\n",
        "win/crlf.txt": "alpha\r\nbeta\r\ngamma\r\n",
        "no-eol.txt": "last line without newline",
        "with space.txt": "spaced\n",
        "unicode/café.txt": "crème brûlée\n",
      },
    });
    const changes: unknown[][] = [
      [
        { op: "put", path: "src/app.ts", content: text(40, "app").replace("app 3\n", "app three\n").replace("app 30\n", "") },
        { op: "move", from: "src/util", to: "lib/util" },
        { op: "delete", path: "docs/guide.md" },
        { op: "put", path: "no-eol.txt", content: "last line without newline\nand one more" },
        { op: "put", path: "win/crlf.txt", content: "alpha\r\nBETA\r\ngamma\r\ndelta" },
        { op: "put", path: "assets/logo.bin", content: Buffer.from(bytes(300, 1)).toString("base64"), encoding: "base64" },
        { op: "put", path: "empty.txt", content: "" },
      ],
      [
        { op: "put", path: "assets/logo.bin", content: Buffer.from(bytes(300, 2)).toString("base64"), encoding: "base64" },
        { op: "put", path: "no-eol.txt", content: "" },
        { op: "put", path: "with space.txt", content: "spaced\nmore\n" },
        { op: "put", path: "unicode/café.txt", content: "crème brûlée\nmille-feuille\n" },
        { op: "move", from: "empty.txt", to: "still-empty.txt" },
        { op: "put", path: "src/new.ts", content: "export {};\n" },
      ],
    ];
    let head = 1;
    for (const change of changes)
      head = (await post<{ version: number }>(`/api/projects/${id}/commits`, { base: head, changes: change })).version;
    expect(head).toBe(3);

    const trees = await Promise.all([1, 2, 3].map((v) => tree(id, v)));
    for (const from of [1, 2, 3]) {
      for (const to of [1, 2, 3]) {
        if (from === to) continue;
        const patch = await (await fetch(`${server.base}/api/projects/${id}/diff?from=${from}&to=${to}`)).text();
        const json = await call<{ files: { path: string; oldPath?: string; binary: boolean }[] }>(
          `/api/projects/${id}/diff?from=${from}&to=${to}&format=json`,
        );
        const binary = json.files.filter((f) => f.binary).map((f) => f.path);
        const dir = mkdtempSync(join(tmpdir(), "forge-apply-"));
        try {
          writeTree(dir, trees[from - 1]!);
          writeFileSync(join(dir, "change.diff"), patch);
          // git cannot apply "Binary files … differ" without the blob; every text file must come out exact.
          await run("git", ["apply", ...binary.map((p) => `--exclude=${p}`), "change.diff"], { cwd: dir });
          const got = readTree(dir);
          const want = trees[to - 1]!;
          const isText = (p: string) => !binary.includes(p);
          expect(Object.keys(got).filter(isText).sort(), `${from}→${to} paths`).toEqual(Object.keys(want).filter(isText).sort());
          for (const path of Object.keys(want).filter(isText)) {
            expect(Buffer.from(got[path]!).equals(Buffer.from(want[path]!)), `${from}→${to} ${path}`).toBe(true);
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  });
});

describe("restart", () => {
  it("serves the same history and the apps' data after the server restarts", async () => {
    const { id } = await post<{ id: string }>("/api/projects", { files: { "a.txt": "before\n" } });
    await post(`/api/projects/${id}/commits`, { base: 1, changes: [{ op: "put", path: "a.txt", content: "after\n" }] });
    // The starter's dependency set, installed once before the restart.
    const starter = await post<{ id: string }>("/api/projects", {});
    expect(await post(`/api/projects/${starter.id}/builds`, {})).toMatchObject({ ok: true });
    const installs = async () =>
      ((await (await fetch(`${registry.url}/-/fake/requests`)).json()) as Record<string, number>)["react-dom"] ?? 0;
    const before = await installs();
    // The server installs from the fake registry (NPM_REGISTRY reaches the Worker), never the network.
    expect(before).toBeGreaterThan(0);
    // An app's D1 database, written through its preview (its worker in the sandbox process).
    const blog = await post<{ id: string }>("/api/projects", {
      files: {
        "wrangler.jsonc": '{ "main": "src/index.ts", "d1_databases": [{ "binding": "DB", "database_name": "blog", "database_id": "1" }] }',
        "migrations/0001_posts.sql": "CREATE TABLE posts (title TEXT NOT NULL);\n",
        "src/index.ts":
          "export default {\n  async fetch(request: Request, env: { DB: D1Database }) {\n    if (request.method === 'POST') await env.DB.prepare('INSERT INTO posts VALUES (?)').bind('kept').run();\n    return Response.json((await env.DB.prepare('SELECT title FROM posts').all()).results);\n  },\n};\n",
      },
    });
    const posts = (...args: string[]) =>
      run("curl", ["-s", "--max-time", "60", ...args, `http://${blog.id}.preview.localhost:${server.port}/posts`]);
    expect(await posts("-X", "POST")).toBe('[{"title":"kept"}]');
    await server.stop();
    server = await startServer(state, { port: server.port, env: { NPM_REGISTRY: registry.url } });
    const versions = await call<{ versions: { id: number }[] }>(`/api/projects/${id}/versions`);
    expect(versions.versions.map((v) => v.id)).toEqual([2, 1]);
    expect(await (await fetch(`${server.base}/api/projects/${id}/files/a.txt?version=1`)).text()).toBe("before\n");
    expect(await (await fetch(`${server.base}/api/projects/${id}/files/a.txt?version=draft`)).text()).toBe("after\n");
    const list = await call<{ projects: { id: string; head: number }[] }>("/api/projects");
    expect(list.projects.find((p) => p.id === id)?.head).toBe(2);
    expect(await posts()).toBe('[{"title":"kept"}]');
    // The data view reads the same database, where the sandbox process keeps it.
    expect(await call(`/api/projects/${blog.id}/data/d1/DB/posts`)).toEqual({
      table: "posts",
      columns: ["title"],
      rows: [["kept"]],
      total: 1,
      offset: 0,
    });
    // The shared dependency cache outlives the restart: a new project installs nothing.
    const next = await post<{ id: string }>("/api/projects", {});
    expect(await post(`/api/projects/${next.id}/builds`, {})).toMatchObject({ ok: true, warnings: [] });
    expect(await installs()).toBe(before);
  });
});

describe("hardening, through wrangler dev", () => {
  const curl = (...args: string[]) => run("curl", ["-s", "--max-time", "60", ...args]);

  it("stays up after refusing chunked request bodies over the limit", async () => {
    const file = join(state, "big.json");
    writeFileSync(file, Buffer.alloc(31 * 1024 * 1024, "x"));
    for (let i = 0; i < 3; i++) {
      const refused = await curl(
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-X",
        "POST",
        "-H",
        "Transfer-Encoding: chunked",
        "-H",
        "Expect:",
        "--data-binary",
        `@${file}`,
        `${server.base}/api/projects`,
      );
      expect(refused).toBe("413");
      // The very next request, at once: before the fix the dev proxy had lost its connection here and exited.
      expect(await curl("-o", "/dev/null", "-w", "%{http_code}", `${server.base}/api/projects`)).toBe("200");
    }
    rmSync(file);
  });

  it("answers TRACE on a known route with 405 and Allow", async () => {
    const head = await curl("-i", "-X", "TRACE", `${server.base}/api/projects`);
    expect(head).toMatch(/^HTTP\/1\.1 405/);
    expect(head).toMatch(/^allow: POST, GET, HEAD, OPTIONS\r$/im);
  });

  it("keeps the request's Host and Origin, so DNS rebinding is refused and the API's own pages are not", async () => {
    const rebound = await curl("-w", " %{http_code}", "-H", `Host: attacker.example:${server.port}`, `${server.base}/api/projects`);
    expect(rebound).toContain('"code":"host_not_allowed"');
    expect(rebound.endsWith(" 403")).toBe(true);
    for (const base of [server.base, `http://127.0.0.1:${server.port}`]) {
      const own = await fetch(`${base}/api/projects`, { method: "POST", headers: { Origin: base }, body: '{"files": {"a.txt": "a"}}' });
      expect(own.status, base).toBe(201);
    }
    const other = await fetch(`${server.base}/api/projects`, {
      method: "POST",
      headers: { Origin: `http://127.0.0.1:${server.port}` },
      body: "{}",
    });
    expect(other.status).toBe(403);
  });
});

describe("an agent turn across a crash", () => {
  it("resumes after kill -9 and a restart, runs no tool twice, and ends with one version", async () => {
    const dir = mkdtempSync(join(tmpdir(), "forge-e2e-crash-"));
    const env = { NPM_REGISTRY: registry.url, MODEL: "replay", REPLAY_DELAY_MS: "800" };
    let crashing = await startServer(dir, { env });
    try {
      const { id } = (await (await fetch(`${crashing.base}/api/projects`, { method: "POST", body: "{}" })).json()) as { id: string };
      const started = await fetch(`${crashing.base}/api/projects/${id}/chat`, { method: "POST", body: '{"message": "Make a todo list"}' });
      const { turnId, eventsUrl } = (await started.json()) as { turnId: string; eventsUrl: string };
      // Read the stream until the turn is in the middle of its work, then crash.
      const stream = await fetch(`${crashing.base}${eventsUrl}`);
      const reader = stream.body!.getReader();
      let seen = "";
      while ((seen.match(/event: tool\.finished/g) ?? []).length < 3) seen += new TextDecoder().decode((await reader.read()).value);
      // The next step is a model call that answers after 800 ms: crash in the middle of it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await crashing.crash();

      crashing = await startServer(dir, { port: crashing.port, env });
      const replay = await (await fetch(`${crashing.base}${eventsUrl}`)).text();
      const names = [...replay.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
      expect(names).toContain("turn.resumed");
      expect(names.at(-1)).toBe("turn.finished");
      expect(replay).toMatch(/event: turn\.finished\ndata: \{"status":"completed","version":2/);
      const toolIds = [...replay.matchAll(/event: tool\.started\ndata: \{"id":"(\w+)"/g)].map((m) => m[1]);
      expect(new Set(toolIds).size).toBe(toolIds.length);
      expect(toolIds).toHaveLength(8);
      const ids = [...replay.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      expect(ids).toEqual(ids.map((_, i) => i + 1));

      const versions = (await (await fetch(`${crashing.base}/api/projects/${id}/versions`)).json()) as {
        versions: { id: number; author: string }[];
      };
      expect(versions.versions.map((v) => [v.id, v.author])).toEqual([
        [2, "agent"],
        [1, "user"],
      ]);
      expect((await (await fetch(`${crashing.base}/api/projects/${id}/turns/${turnId}`)).json()) as object).toMatchObject({
        status: "completed",
        version: 2,
      });
      // curl resolves *.localhost itself; Node's resolver does not.
      expect(await run("curl", ["-s", "--max-time", "60", `http://${id}.preview.localhost:${crashing.port}/api/todos`])).toBe("[]");
    } finally {
      await crashing.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("configuration from the shell", () => {
  it("hands API_TOKEN to the Worker, and servers started at the same moment keep their own variables", async () => {
    const dirs = [mkdtempSync(join(tmpdir(), "forge-e2e-token-")), mkdtempSync(join(tmpdir(), "forge-e2e-open-"))];
    // Started together: each server reads its own variables, never the other's.
    const [secured, open] = await Promise.all([
      startServer(dirs[0]!, { env: { API_TOKEN: "from-the-shell" } }),
      startServer(dirs[1]!, { env: { MODEL: "replay" } }),
    ]);
    try {
      expect((await fetch(`${secured.base}/api/projects`)).status).toBe(401);
      const ok = await fetch(`${secured.base}/api/projects`, { headers: { Authorization: "Bearer from-the-shell" } });
      expect(ok.status).toBe(200);
      expect((await fetch(`${open.base}/api/projects`)).status).toBe(200);
    } finally {
      await Promise.all([secured.stop(), open.stop()]);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });
});
