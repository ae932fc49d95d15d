import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/http/app";
import { api, commit, createProject, expectError } from "./helpers";

// Limits in vitest.config.ts: 64 KiB per file, 50 files, 256 KiB per version.
const put = (path: string, content = "x\n") => ({ op: "put", path, content });

async function unchanged(id: string): Promise<void> {
  const versions = await (await api(`/api/projects/${id}/versions`)).json<{ versions: unknown[] }>();
  expect(versions.versions).toHaveLength(1);
  const files = await (await api(`/api/projects/${id}/files?version=draft`)).json<{ files: { path: string }[] }>();
  expect(files.files.map((f) => f.path)).toEqual(["a.txt"]);
}

describe("bad input is refused with a code, a message and no change", () => {
  it("malformed JSON and wrong shapes", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const post = (body: string) =>
      api(`/api/projects/${id}/commits`, { method: "POST", body, headers: { "Content-Type": "application/json" } });
    await expectError(await post("{"), 400, "invalid_json");
    await expectError(await post("[]"), 400, "invalid_request");
    await expectError(await post(JSON.stringify({ base: "1", changes: [] })), 400, "invalid_request");
    await expectError(await post(JSON.stringify({ base: 1, changes: [{ op: "rename", path: "a" }] })), 400, "invalid_request");
    await expectError(await post(JSON.stringify({ base: 1, changes: [{ op: "put", path: "b" }] })), 400, "invalid_request");
    await expectError(await api("/api/projects", { method: "POST", body: "not json" }), 400, "invalid_json");
    await expectError(await api("/api/projects", { method: "POST", json: { files: { "a.txt": 5 } } }), 400, "invalid_request");
    await unchanged(id);
  });

  it("bad paths, in commits, creates and URLs", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const bad = [
      "",
      "/abs.txt",
      "a/../b",
      "./a",
      "a//b",
      "a\\b",
      "a\u0000b",
      "tab\there",
      "x/".repeat(10) + "y".repeat(256),
      "z".repeat(1025),
      ".git/config",
      "node_modules/x/index.js",
      "a/.",
    ];
    for (const path of bad) {
      const error = await expectError(await commit(id, 1, [put("ok.txt"), put(path)]), 400, "invalid_path");
      expect(error.path).toBe(path);
    }
    await expectError(await commit(id, 1, [{ op: "move", from: "a.txt", to: "../up.txt" }]), 400, "invalid_path");
    await expectError(await commit(id, 1, [{ op: "delete", path: ".git" }]), 400, "invalid_path");
    await expectError(await api("/api/projects", { method: "POST", json: { files: { "/etc/passwd": "x" } } }), 400, "invalid_path");
    await expectError(await api(`/api/projects/${id}/files/a%2F..%2Fb`), 400, "invalid_path");
    await unchanged(id);
  });

  it("paths that would be both a file and a directory, and moves onto existing files", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    await expectError(await commit(id, 1, [put("a.txt/b.txt")]), 400, "path_conflict");
    await expectError(await commit(id, 1, [put("d/e.txt"), put("d")]), 400, "path_conflict");
    await expectError(await commit(id, 1, [put("b.txt"), { op: "move", from: "a.txt", to: "b.txt" }]), 400, "path_conflict");
    await unchanged(id);
  });

  it("missing paths in delete and move name the path", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    expect((await expectError(await commit(id, 1, [{ op: "delete", path: "nope.txt" }]), 400, "not_found")).path).toBe("nope.txt");
    expect((await expectError(await commit(id, 1, [{ op: "move", from: "gone", to: "x" }]), 400, "not_found")).path).toBe("gone");
    await unchanged(id);
  });

  it("invalid base64", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    await expectError(await commit(id, 1, [{ op: "put", path: "b.bin", content: "%%%", encoding: "base64" }]), 400, "invalid_content");
    await expectError(await commit(id, 1, [{ op: "put", path: "b.bin", content: "abc", encoding: "base64" }]), 400, "invalid_content");
    await unchanged(id);
  });

  it("oversize files, too many files and oversize versions answer 413", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const big = "x".repeat(64 * 1024 + 1);
    expect((await expectError(await commit(id, 1, [put("big.txt", big)]), 413, "too_large")).path).toBe("big.txt");
    const many = Array.from({ length: 50 }, (_, i) => put(`f${i}.txt`));
    await expectError(await commit(id, 1, many), 413, "too_large");
    const heavy = Array.from({ length: 5 }, (_, i) => put(`h${i}.txt`, "y".repeat(60 * 1024)));
    await expectError(await commit(id, 1, heavy), 413, "too_large");
    await expectError(await api("/api/projects", { method: "POST", json: { files: { "big.txt": big } } }), 413, "too_large");
    await unchanged(id);
  });

  it("stale base answers 409 with the head", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    expect((await expectError(await commit(id, 0, [put("b.txt")]), 409, "conflict")).head).toBe(1);
    expect((await expectError(await commit(id, 7, [put("b.txt")]), 409, "conflict")).head).toBe(1);
    await unchanged(id);
  });

  it("unknown projects, versions and files answer 404; malformed refs 400", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    await expectError(await api("/api/projects/nosuchproject"), 404, "not_found");
    await expectError(await api("/api/projects/Not--Valid"), 404, "not_found");
    await expectError(await commit("nosuchproject", 1, [put("b.txt")]), 404, "not_found");
    await expectError(await api(`/api/projects/${id}/versions/9`), 404, "not_found");
    await expectError(await api(`/api/projects/${id}/versions/abc`), 400, "invalid_request");
    await expectError(await api(`/api/projects/${id}/files?version=9`), 404, "not_found");
    await expectError(await api(`/api/projects/${id}/files?version=head`), 400, "invalid_request");
    await expectError(await api(`/api/projects/${id}/files/none.txt`), 404, "not_found");
    await expectError(await api(`/api/projects/${id}/diff?from=1&to=5`), 404, "not_found");
    await expectError(await api(`/api/projects/${id}/diff?format=svg`), 400, "invalid_request");
    await expectError(await api("/api/projects?limit=0"), 400, "invalid_request");
    await expectError(await api("/api/projects?cursor=zzz"), 400, "invalid_request");
    await expectError(await api("/api/nothing"), 404, "route_not_found");
    await unchanged(id);
  });
});

describe("API_TOKEN", () => {
  const app = createApp();
  const call = (headers: Record<string, string> = {}) =>
    app.fetch(
      new Request("http://localhost:8787/api/projects", { headers }),
      { ...env, API_TOKEN: "s3cret-token" },
      createExecutionContext(),
    );

  it("requires the bearer token on /api/* when set", async () => {
    await expectError(await call(), 401, "unauthorized");
    await expectError(await call({ Authorization: "Bearer wrong" }), 401, "unauthorized");
    await expectError(await call({ Authorization: "Bearer s3cret-token-longer" }), 401, "unauthorized");
    await expectError(await call({ Authorization: "Basic czNjcmV0LXRva2Vu" }), 401, "unauthorized");
    const ok = await call({ Authorization: "Bearer s3cret-token" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toHaveProperty("projects");
  });

  it("leaves the API open when unset", async () => {
    expect((await api("/api/projects")).status).toBe(200);
  });
});

describe("project list", () => {
  it("pages newest first with a cursor", async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push((await createProject({ "a.txt": `${i}\n` }, `page-${i}`)).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await api(`/api/projects?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      const page = await res.json<{ projects: { id: string }[]; nextCursor?: string }>();
      expect(page.projects.length).toBeLessThanOrEqual(2);
      seen.push(...page.projects.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    const ours = seen.filter((id) => made.includes(id));
    expect(ours).toEqual([...made].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("shows each project's current head", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    await commit(id, 1, [put("b.txt")]);
    const list = await (await api("/api/projects?limit=100")).json<{ projects: { id: string; head: number }[] }>();
    expect(list.projects.find((p) => p.id === id)?.head).toBe(2);
  });
});
