import { describe, expect, it } from "vitest";
import { api, createProject, expectError } from "./helpers";

describe("projects", () => {
  it("creates a project from the starter app", async () => {
    const res = await api("/api/projects", { method: "POST", json: { name: "Demo" } });
    expect(res.status).toBe(201);
    const project = await res.json<{ id: string; name: string; head: number; previewUrl: string }>();
    expect(project.id).toMatch(/^[a-z0-9](?:[a-z0-9]|-(?!-)){0,30}[a-z0-9]$/);
    expect(project).toMatchObject({ name: "Demo", head: 1 });
    expect(project.previewUrl).toBe(`http://${project.id}.preview.localhost:8787/`);

    const files = await (await api(`/api/projects/${project.id}/files`)).json<{ files: { path: string }[] }>();
    const paths = files.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["index.html", "package.json", "src/main.tsx", "src/server.ts"]));
    expect(paths.some((p) => p.startsWith("test/") && p.endsWith(".test.ts"))).toBe(true);
  });

  it("creates, gets, lists and deletes", async () => {
    const { id } = await createProject({ "a.txt": "hello\n" }, "Listed");
    const got = await (await api(`/api/projects/${id}`)).json<{ id: string; head: number; createdAt: string }>();
    expect(got).toMatchObject({ id, head: 1 });
    expect(Date.parse(got.createdAt)).not.toBeNaN();

    const list = await (await api("/api/projects")).json<{ projects: { id: string; name: string }[] }>();
    expect(list.projects.find((p) => p.id === id)).toMatchObject({ name: "Listed", head: 1 });

    expect((await api(`/api/projects/${id}`, { method: "DELETE" })).status).toBe(204);
    await expectError(await api(`/api/projects/${id}`), 404, "not_found");
    await expectError(await api(`/api/projects/${id}/files`), 404, "not_found");
    await expectError(await api(`/api/projects/${id}`, { method: "DELETE" }), 404, "not_found");
    const after = await (await api("/api/projects")).json<{ projects: { id: string }[] }>();
    expect(after.projects.some((p) => p.id === id)).toBe(false);
  });
});

describe("HTTP surface", () => {
  it("describes every route in /api/openapi.json", async () => {
    const res = await api("/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = await res.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toBe("3.1.0");
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(
      [
        "POST /api/projects",
        "GET /api/projects",
        "GET /api/projects/{id}",
        "DELETE /api/projects/{id}",
        "POST /api/projects/{id}/commits",
        "GET /api/projects/{id}/versions",
        "GET /api/projects/{id}/versions/{version}",
        "POST /api/projects/{id}/restore",
        "GET /api/projects/{id}/files",
        "GET /api/projects/{id}/files/{path}",
        "GET /api/projects/{id}/diff",
        "POST /api/projects/{id}/builds",
        "POST /api/projects/{id}/test",
        "POST /api/projects/{id}/scheduled",
        "GET /api/projects/{id}/data",
        "GET /api/projects/{id}/data/kv",
        "GET /api/projects/{id}/data/d1/{binding}/{table}",
        "GET /api/projects/{id}/settings",
        "PUT /api/projects/{id}/settings",
        "GET /api/projects/{id}/logs",
        "POST /api/projects/{id}/chat",
        "GET /api/projects/{id}/turns",
        "GET /api/projects/{id}/turns/{turnId}",
        "GET /api/projects/{id}/turns/{turnId}/events",
        "POST /api/projects/{id}/turns/{turnId}/cancel",
        "GET /api/projects/{id}/messages",
        "GET /api/info",
      ].sort(),
    );
  });

  it("refuses request bodies over 30 MiB with 413 before they reach the project", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const body = JSON.stringify({ base: 1, changes: [{ op: "put", path: "big.txt", content: "x".repeat(31 * 1024 * 1024) }] });
    await expectError(await api(`/api/projects/${id}/commits`, { method: "POST", body }), 413, "too_large");
    const versions = await (await api(`/api/projects/${id}/versions`)).json<{ versions: unknown[] }>();
    expect(versions.versions).toHaveLength(1);
  });
});
