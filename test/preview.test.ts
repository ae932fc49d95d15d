import { abortAllDurableObjects, createExecutionContext, env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { api, commit, createProject, packumentRequests } from "./helpers";

const preview = (label: string, path = "/", init?: RequestInit) => SELF.fetch(`http://${label}.preview.localhost:8787${path}`, init);

const server = (message: string) =>
  `import { Hono } from "hono";\nconst app = new Hono();\napp.get("/api/hello", (c) => c.json({ message: ${JSON.stringify(message)} }));\nexport default app;\n`;

async function build(id: string, version?: number | "draft") {
  const res = await api(`/api/projects/${id}/builds`, { method: "POST", json: version === undefined ? {} : { version } });
  expect(res.status).toBe(200);
  return res.json<{
    version: number | "draft";
    ok: boolean;
    cached: boolean;
    errors: { file?: string; line?: number; message: string }[];
    previewUrl?: string;
  }>();
}

describe("previews", () => {
  it("serves the starter app: page, client bundle and Hono API", async () => {
    const { id } = await createProject();
    const page = await preview(id);
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/main.js"></script>');
    const script = await preview(id, "/main.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("Content-Type")).toContain("javascript");
    expect(script.headers.get("ETag")).toBeTruthy();
    expect(await script.text()).toContain("createRoot");
    const hello = await preview(id, "/api/hello");
    expect(await hello.json()).toEqual({ message: "Hello from the server" });
  });

  it("serves head and pinned versions at their own origins; a broken version shows its located errors", async () => {
    const { id } = await createProject();
    expect((await commit(id, 1, [{ op: "put", path: "src/server.ts", content: server("Version two") }])).status).toBe(201);
    expect(await (await preview(id, "/api/hello")).json()).toEqual({ message: "Version two" });
    expect(await (await preview(`${id}--v1`, "/api/hello")).json()).toEqual({ message: "Hello from the server" });
    expect(await (await preview(`${id}--v2`, "/api/hello")).json()).toEqual({ message: "Version two" });

    await commit(id, 2, [
      { op: "put", path: "src/server.ts", content: 'import { Hono } from "hono";\nconst app = new Hono(;\nexport default app;\n' },
    ]);
    const broken = await preview(id, "/api/hello");
    expect(broken.status).toBe(502);
    const page = await broken.text();
    expect(page).toContain("Build failed");
    expect(page).toContain("src/server.ts:2:");
    expect((await preview(`${id}--v2`, "/api/hello")).status).toBe(200);

    const result = await build(id);
    expect(result).toMatchObject({ version: 3, ok: false, cached: true });
    expect(result.errors[0]).toMatchObject({ file: "src/server.ts", line: 2 });
    expect(result.previewUrl).toBeUndefined();
  });

  it("reuses the stored build for an identical tree, also after the object restarts", async () => {
    const { id } = await createProject({ "src/index.ts": 'export default { fetch: () => new Response("one") };\n' });
    const first = await build(id, 1);
    expect(first).toMatchObject({ ok: true, cached: false, previewUrl: `http://${id}--v1.preview.localhost:8787/` });
    expect(await build(id, 1)).toMatchObject({ ok: true, cached: true });
    await commit(id, 1, [{ op: "put", path: "src/index.ts", content: 'export default { fetch: () => new Response("two") };\n' }]);
    await api(`/api/projects/${id}/restore`, { method: "POST", json: { version: 1 } });
    expect(await build(id, 3)).toMatchObject({ ok: true, cached: true });
    const version = await (await api(`/api/projects/${id}/versions/1`)).json<{ build?: { ok: boolean } }>();
    expect(version.build).toMatchObject({ ok: true });

    await abortAllDurableObjects();
    expect(await build(id, 1)).toMatchObject({ cached: true });
    expect(await (await preview(`${id}--v1`)).text()).toBe("one");
    expect(await (await preview(id)).text()).toBe("one");
  });

  it("keeps installed dependencies across a restart: an edit after it asks the registry nothing", async () => {
    const requests = () => packumentRequests("react-dom");
    const { id } = await createProject();
    expect(await build(id)).toMatchObject({ ok: true, cached: false });
    const before = await requests();
    await abortAllDurableObjects();
    await commit(id, 1, [{ op: "put", path: "src/server.ts", content: server("After restart") }]);
    expect(await build(id)).toMatchObject({ version: 2, ok: true, cached: false });
    expect(await (await preview(id, "/api/hello")).json()).toEqual({ message: "After restart" });
    expect(await requests()).toBe(before);
    // Another project with the same dependencies installs and pre-bundles nothing: the set is shared.
    const other = await createProject();
    expect(await build(other.id)).toMatchObject({ ok: true, cached: false, warnings: [] });
    expect(await (await preview(other.id, "/api/hello")).json()).toEqual({ message: "Hello from the server" });
    expect(await requests()).toBe(before);
  });

  it("keeps no result of a build whose install failed: the next build asks the registry again", async () => {
    const requests = () => packumentRequests("no-such-package-anywhere");
    const { id } = await createProject({
      "package.json": JSON.stringify({ dependencies: { "no-such-package-anywhere": "^1.0.0" } }),
      "src/index.ts": 'export default { fetch: () => new Response("x") };\n',
    });
    const before = await requests();
    expect(await build(id)).toMatchObject({ ok: false, cached: false, errors: [expect.objectContaining({ file: "package.json" })] });
    expect(await build(id)).toMatchObject({ ok: false, cached: false });
    expect(await requests()).toBe(before + 2);
  });

  it("previews the draft", async () => {
    const { id } = await createProject({ "src/index.ts": 'export default { fetch: () => new Response("draft") };\n' });
    expect(await (await preview(`${id}--draft`)).text()).toBe("draft");
    expect(await build(id, "draft")).toMatchObject({
      version: "draft",
      ok: true,
      previewUrl: `http://${id}--draft.preview.localhost:8787/`,
    });
  });

  it("answers 404 for unknown projects and versions, and stops serving deleted projects", async () => {
    const { id } = await createProject({ "src/index.ts": 'export default { fetch: () => new Response("here") };\n' });
    expect((await preview(`${id}--v9`)).status).toBe(404);
    expect((await preview("nosuchproject")).status).toBe(404);
    expect(await (await preview(id)).text()).toBe("here");
    await api(`/api/projects/${id}`, { method: "DELETE" });
    expect((await preview(id)).status).toBe(404);
  });
});

describe("sandbox", () => {
  // The app fetches ?url=…, reports what came back (or the error), and what of the host it can see.
  const prober = `export default {
  async fetch(request, env) {
    const target = new URL(request.url).searchParams.get("url");
    const seen = { envKeys: Object.keys(env), globals: typeof globalThis.API_TOKEN };
    try {
      const res = await fetch(target);
      return Response.json({ ...seen, status: res.status, body: await res.json() });
    } catch (error) {
      return Response.json({ ...seen, error: String(error) });
    }
  },
};
`;

  it("blocks the network unless a host is allowed, and injects secrets the app never sees", async () => {
    const { id } = await createProject({ "src/index.ts": prober });
    const probe = async (url: string) =>
      (await preview(id, `/?url=${encodeURIComponent(url)}`)).json<{
        envKeys: string[];
        error?: string;
        status?: number;
        body?: { headers: Record<string, string> };
      }>();

    const denied = await probe("https://echo.example.test/data");
    expect(denied.error).toContain("Network access to echo.example.test is blocked by the preview sandbox");
    expect(denied.error).toContain("allowedHosts");
    expect(denied.envKeys).toEqual(["KV"]);

    const put = await api(`/api/projects/${id}/settings`, {
      method: "PUT",
      json: {
        allowedHosts: ["echo.example.test"],
        secrets: [{ host: "echo.example.test", header: "Authorization", value: "Bearer s3cret" }],
      },
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({
      allowedHosts: ["echo.example.test"],
      secrets: [{ host: "echo.example.test", header: "Authorization" }],
    });
    const settings = await (await api(`/api/projects/${id}/settings`)).text();
    expect(settings).not.toContain("s3cret");

    const allowed = await probe("https://echo.example.test/data");
    expect(allowed.status).toBe(200);
    expect(allowed.body!.headers.authorization).toBe("Bearer s3cret");
    expect(JSON.stringify(allowed.envKeys)).not.toContain("s3cret");
    expect((await probe("https://example.com/")).error).toContain("blocked");
  });

  it("refuses bad settings", async () => {
    const { id } = await createProject({ "src/index.ts": prober });
    const put = (json: unknown) => api(`/api/projects/${id}/settings`, { method: "PUT", json });
    expect((await put({ allowedHosts: ["not a host"] })).status).toBe(400);
    expect((await put({ allowedHosts: [], secrets: [{ host: "x.example", header: "X-Key", value: "v" }] })).status).toBe(400);
    expect((await put({ allowedHosts: ["x.example"], secrets: [{ host: "x.example", header: "Bad Header", value: "v" }] })).status).toBe(
      400,
    );
    expect(await (await api(`/api/projects/${id}/settings`)).json()).toEqual({ allowedHosts: [], secrets: [] });
  });

  it("keeps env.KV per project across versions, and apart from other projects", async () => {
    const counter = (step: number) => `export default {
  async fetch(request, env) {
    const count = Number((await env.KV.get("count")) ?? 0) + ${step};
    await env.KV.put("count", String(count), { metadata: { step: ${step} } });
    const listed = await env.KV.list({ prefix: "co" });
    return Response.json({ count, keys: listed.keys.map((k) => k.name), json: await env.KV.get("count", "json") });
  },
};
`;
    const { id } = await createProject({ "src/index.ts": counter(1) });
    expect(await (await preview(id)).json()).toEqual({ count: 1, keys: ["count"], json: 1 });
    expect(await (await preview(id)).json()).toMatchObject({ count: 2 });
    await commit(id, 1, [{ op: "put", path: "src/index.ts", content: counter(10) }]);
    expect(await (await preview(id)).json()).toMatchObject({ count: 12 });
    expect(await (await preview(`${id}--v1`)).json()).toMatchObject({ count: 13 });
    const other = await createProject({ "src/index.ts": counter(1) });
    expect(await (await preview(other.id)).json()).toMatchObject({ count: 1 });
  });

  it("records console output and uncaught exceptions in the project's logs, each under the version that served it", async () => {
    const { id } = await createProject({
      "src/index.ts": `let served = 0;
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/boom") throw new Error("kaboom");
    served++;
    console.log("served", url.pathname, { n: served });
    if (url.pathname === "/hello") console.warn("careful");
    return new Response("ok");
  },
};
`,
    });
    expect(await (await preview(id, "/hello")).text()).toBe("ok");
    expect((await preview(id, "/boom")).status).toBe(500);
    // Version 2 changes an asset only: it is served by version 1's isolate (the count goes on), logged as version 2.
    await commit(id, 1, [{ op: "put", path: "public/robots.txt", content: "User-agent: *\n" }]);
    expect(await (await preview(`${id}--v2`, "/two")).text()).toBe("ok");
    expect(await (await preview(`${id}--v1`, "/one")).text()).toBe("ok");
    type Logs = { entries: { version: string; level: string; message: string; url?: string }[]; cursor: string };
    let logs: Logs = { entries: [], cursor: "0" };
    await expect
      .poll(
        async () => {
          logs = await (await api(`/api/projects/${id}/logs`)).json<Logs>();
          return logs.entries.length;
        },
        { interval: 20 },
      )
      .toBe(5);
    const at = (label: string, path: string) => `http://${label}.preview.localhost:8787${path}`;
    expect(logs.entries).toEqual([
      { ts: expect.any(String), version: "1", level: "log", message: 'served /hello {"n":1}', url: at(id, "/hello") },
      { ts: expect.any(String), version: "1", level: "warn", message: "careful", url: at(id, "/hello") },
      { ts: expect.any(String), version: "1", level: "exception", message: "Error: kaboom", url: at(id, "/boom") },
      { ts: expect.any(String), version: "2", level: "log", message: 'served /two {"n":2}', url: at(`${id}--v2`, "/two") },
      { ts: expect.any(String), version: "1", level: "log", message: 'served /one {"n":3}', url: at(`${id}--v1`, "/one") },
    ]);
    const after = await (await api(`/api/projects/${id}/logs?after=${logs.cursor}`)).json<Logs>();
    expect(after.entries).toEqual([]);
    expect(after.cursor).toBe(logs.cursor);
    expect((await api(`/api/projects/${id}/logs?after=x`)).status).toBe(400);
  });
});

describe("an app's answer past a bound", () => {
  it("gets a 502 naming the bound, and an error in the log, when its headers are too large to pass on", async () => {
    const { id } = await createProject({
      "src/index.ts":
        'export default { fetch: (r) => new URL(r.url).pathname === "/big" ? new Response("x", { headers: { "X-Big": "y".repeat(200_000) } }) : new Response("small") };\n',
    });
    const big = await preview(id, "/big");
    expect(big.status).toBe(502);
    expect(await big.text()).toMatch(/^The app's response headers are 200,\d{3} bytes, over the 65,536 a preview passes on/);
    expect(await (await preview(id, "/")).text()).toBe("small");
    const logs = await (await api(`/api/projects/${id}/logs`)).json<{ entries: { level: string; message: string }[] }>();
    expect(logs.entries.some((entry) => entry.level === "error" && /response headers are 200,\d{3} bytes/.test(entry.message))).toBe(true);
  });
});

describe("preview logs of an app that logs without end", () => {
  it("keeps 1,000 lines of one request, each at most 10,000 characters, and says how many it left out", async () => {
    const { id } = await createProject({
      "src/index.ts": `export default {
  fetch() {
    console.log("x".repeat(50000));
    for (let i = 0; i < 3000; i++) console.log("line", i);
    return new Response("logged");
  },
};
`,
    });
    expect(await (await preview(id, "/flood")).text()).toBe("logged");
    type Entry = { level: string; message: string };
    // The list answers in pages of 500.
    const everything = async () => {
      const entries: Entry[] = [];
      for (let cursor = "0"; ; ) {
        const page = await (await api(`/api/projects/${id}/logs?after=${cursor}`)).json<{ entries: Entry[]; cursor: string }>();
        if (page.entries.length === 0) return entries;
        entries.push(...page.entries);
        cursor = page.cursor;
      }
    };
    let all: Entry[] = [];
    await expect
      .poll(
        async () => {
          all = await everything();
          return all.at(-1)?.level;
        },
        { interval: 20 },
      )
      .toBe("warn");
    expect(all).toHaveLength(1_001);
    expect(all[0]!.message).toBe("x".repeat(10_000));
    expect(all[999]!.message).toBe("line 998");
    expect(all[1000]).toMatchObject({
      level: "warn",
      message: "2001 more log lines of this request were not kept (at most 1000 per request).",
    });
  });
});

describe("preview access when API_TOKEN is set", () => {
  it("needs the token from previewUrl, trades it for an HttpOnly cookie and hides it from the app", async () => {
    const secured = { ...env, API_TOKEN: "api-secret" };
    const call = (url: string, init?: RequestInit) =>
      worker.fetch!(new Request(url, init) as Request<unknown, IncomingRequestCfProperties>, secured, createExecutionContext());
    const created = await call("http://localhost:8787/api/projects", {
      method: "POST",
      headers: { Authorization: "Bearer api-secret" },
      body: JSON.stringify({
        files: { "src/index.ts": 'export default { fetch: (r) => new Response("cookie=" + (r.headers.get("Cookie") ?? "")) };\n' },
      }),
    });
    const { id, previewUrl } = await created.json<{ id: string; previewUrl: string }>();
    expect(previewUrl).toMatch(new RegExp(`^http://${id}\\.preview\\.localhost:8787/\\?access=[\\w-]+$`));

    expect((await call(`http://${id}.preview.localhost:8787/`)).status).toBe(401);
    expect((await call(`http://${id}.preview.localhost:8787/?access=wrong`)).status).toBe(401);
    const exchange = await call(previewUrl, { redirect: "manual" });
    expect(exchange.status).toBe(302);
    expect(exchange.headers.get("Location")).toBe("/");
    const cookie = exchange.headers.get("Set-Cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).not.toMatch(/domain/i);
    const pair = cookie.split(";")[0]!;
    // Another preview's script may have planted a cookie of the same name for the parent domain.
    const page = await call(`http://${id}--v1.preview.localhost:8787/`, {
      headers: { Cookie: `preview_access=planted; ${pair}; theme=dark` },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("cookie=theme=dark");
    // Its own pages, its user (typing the URL) and the playground framing it send the cookie; another preview
    // (same-site) or another site's fetch or form may not use it.
    const withCookie = (method: string, site: string, mode: string) =>
      call(`http://${id}.preview.localhost:8787/`, { method, headers: { Cookie: pair, "Sec-Fetch-Site": site, "Sec-Fetch-Mode": mode } });
    for (const [method, site, mode] of [
      ["POST", "same-origin", "cors"],
      ["GET", "none", "navigate"],
      ["GET", "cross-site", "navigate"],
    ] as const) {
      expect((await withCookie(method, site, mode)).status, `${method} ${site} ${mode}`).toBe(200);
    }
    for (const [method, site, mode] of [
      ["GET", "same-site", "navigate"],
      ["GET", "same-site", "no-cors"],
      ["GET", "cross-site", "cors"],
      ["POST", "cross-site", "navigate"],
    ] as const) {
      const refused = await withCookie(method, site, mode);
      expect(refused.status, `${method} ${site} ${mode}`).toBe(403);
      expect(await refused.text()).toContain("takes its access cookie only from its own pages");
    }
    const other = await createProject({ "src/index.ts": 'export default { fetch: () => new Response("other") };\n' });
    expect((await call(`http://${other.id}.preview.localhost:8787/`, { headers: { Cookie: pair } })).status).toBe(401);
  });
});

describe("preview hosts", () => {
  it("recognises head, version and draft origins, and nothing else", async () => {
    const { parsePreviewHost } = await import("../src/preview");
    const local = { apiHosts: [] };
    expect(parsePreviewHost("localhost:8787", local)).toBeNull();
    expect(parsePreviewHost("abc1.preview.localhost:8787", local)).toEqual({ projectId: "abc1", ref: "head" });
    expect(parsePreviewHost("abc1--v12.preview.localhost:8787", local)).toEqual({ projectId: "abc1", ref: 12 });
    expect(parsePreviewHost("abc1--draft.preview.localhost:8787", local)).toEqual({ projectId: "abc1", ref: "draft" });
    for (const bad of [
      "abc1--v0.preview.localhost",
      "abc1--v.preview.localhost",
      "a--b.preview.localhost",
      "ABC--x.preview.localhost",
      "abc1.other.localhost",
    ]) {
      expect(parsePreviewHost(bad, local), bad).toBeNull();
    }
    expect(parsePreviewHost("abc1--v3.preview.example.com", { apiHosts: [], previewHost: "preview.example.com" })).toEqual({
      projectId: "abc1",
      ref: 3,
    });
    expect(parsePreviewHost("api.example.com", { apiHosts: [], previewHost: "preview.example.com" })).toBeNull();
    expect(parsePreviewHost("abc1.preview.localhost:8787", { apiHosts: [], previewHost: "preview.example.com" })).toBeNull();
  });
});
