import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, commit, createProject } from "./helpers";
import { SELF } from "cloudflare:test";

const preview = (label: string, path = "/", init?: RequestInit) => SELF.fetch(`http://${label}.preview.localhost:8787${path}`, init);

const server = (message: string) =>
  `import { Hono } from "hono";\nconst app = new Hono();\napp.get("/api/hello", (c) => c.json({ message: ${JSON.stringify(message)} }));\nexport default app;\n`;

async function build(id: string, version?: number | "draft") {
  const res = await api(`/api/projects/${id}/builds`, { method: "POST", json: version === undefined ? {} : { version } });
  expect(res.status).toBe(200);
  return res.json<{ version: number | "draft"; ok: boolean; cached: boolean; errors: { file?: string; line?: number; message: string }[]; previewUrl?: string }>();
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

    await commit(id, 2, [{ op: "put", path: "src/server.ts", content: 'import { Hono } from "hono";\nconst app = new Hono(;\nexport default app;\n' }]);
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

  it("previews the draft", async () => {
    const { id } = await createProject({ "src/index.ts": 'export default { fetch: () => new Response("draft") };\n' });
    expect(await (await preview(`${id}--draft`)).text()).toBe("draft");
    expect(await build(id, "draft")).toMatchObject({ version: "draft", ok: true, previewUrl: `http://${id}--draft.preview.localhost:8787/` });
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
  it("gives the app no network", async () => {
    const { id } = await createProject({
      "src/index.ts":
        'export default { async fetch() { try { await fetch("https://example.com/"); return new Response("reached"); } catch (e) { return new Response(String(e), { status: 500 }); } } };\n',
    });
    const res = await preview(id);
    const text = await res.text();
    expect(text).not.toBe("reached");
    expect(res.status).toBe(500);
  });
});
