import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ProjectObjectBase } from "../src/project";
import { api, commit, createProject, expectError, workspaceOf } from "./helpers";

type Version = { id: number; parent: number | null; message: string; author: string; tree: string; stats: Record<string, number> };

async function fileText(id: string, path: string, version?: number | "draft"): Promise<string> {
  const res = await api(`/api/projects/${id}/files/${path}${version !== undefined ? `?version=${version}` : ""}`);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.text();
}

async function paths(id: string, version?: number | "draft"): Promise<string[]> {
  const res = await api(`/api/projects/${id}/files${version !== undefined ? `?version=${version}` : ""}`);
  return (await res.json<{ files: { path: string }[] }>()).files.map((f) => f.path);
}

describe("commits", () => {
  it("applies put, delete and move in order as one new version", async () => {
    const { id } = await createProject({ "a.txt": "a\n", "dir/b.txt": "b\n", "dir/c.txt": "c\n" });
    const res = await commit(
      id,
      1,
      [
        { op: "put", path: "a.txt", content: "A\n" },
        { op: "move", from: "dir", to: "lib" },
        { op: "delete", path: "lib/c.txt" },
        { op: "put", path: "img.bin", content: "AAEC/w==", encoding: "base64" },
      ],
      "Second",
    );
    expect(res.status).toBe(201);
    const result = await res.json<{ version: number; parent: number; tree: string; changed: string[] }>();
    expect(result).toMatchObject({ version: 2, parent: 1 });
    expect(result.changed).toEqual(["a.txt", "dir/b.txt", "dir/c.txt", "img.bin", "lib/b.txt"]);
    expect(await paths(id)).toEqual(["a.txt", "img.bin", "lib/b.txt"]);
    expect(await paths(id, 1)).toEqual(["a.txt", "dir/b.txt", "dir/c.txt"]);
    // The working tree keeps no empty directory behind the move.
    const stub = env.PROJECTS.get(env.PROJECTS.idFromName(id));
    const top = await runInDurableObject(stub, async (instance: ProjectObjectBase) => {
      return (await workspaceOf(instance).readDir("/")).map((entry) => entry.name).sort();
    });
    expect(top).toEqual(["a.txt", "img.bin", "lib"]);
    expect(await fileText(id, "a.txt", 1)).toBe("a\n");
    const bin = await api(`/api/projects/${id}/files/img.bin`);
    expect(new Uint8Array(await bin.arrayBuffer())).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(bin.headers.get("Content-Type")).toBe("application/octet-stream");

    const versions = (await (await api(`/api/projects/${id}/versions`)).json<{ versions: Version[] }>()).versions;
    expect(versions.map((v) => v.id)).toEqual([2, 1]);
    expect(versions[0]).toMatchObject({ parent: 1, message: "Second", author: "user", stats: { added: 2, modified: 1, deleted: 2 } });
    expect(versions[0]!.tree).toBe(result.tree);
    expect(versions[1]).toMatchObject({ parent: null, stats: { added: 3, modified: 0, deleted: 0 } });
    const one = await (await api(`/api/projects/${id}/versions/1`)).json<Version>();
    expect(one).toEqual(versions[1]);
  });

  it("answers 200 with the base and makes no version when nothing changes", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const res = await commit(id, 1, [{ op: "put", path: "a.txt", content: "a\n" }]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ version: 1, changed: [] });
    const moved = await commit(id, 1, [
      { op: "move", from: "a.txt", to: "b.txt" },
      { op: "move", from: "b.txt", to: "a.txt" },
    ]);
    expect(moved.status).toBe(200);
    expect((await (await api(`/api/projects/${id}/versions`)).json<{ versions: unknown[] }>()).versions).toHaveLength(1);
  });

  it("gives equal trees equal hashes", async () => {
    const { id } = await createProject({ "x.txt": "1\n" });
    const v2 = await (await commit(id, 1, [{ op: "put", path: "x.txt", content: "2\n" }])).json<{ tree: string }>();
    const v3 = await (await commit(id, 2, [{ op: "put", path: "x.txt", content: "1\n" }])).json<{ tree: string }>();
    const v1 = await (await api(`/api/projects/${id}/versions/1`)).json<Version>();
    expect(v3.tree).toBe(v1.tree);
    expect(v2.tree).not.toBe(v1.tree);
  });

  it("lets exactly one of ten concurrent commits on the same base win", async () => {
    const { id } = await createProject({ "n.txt": "0\n" });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => commit(id, 1, [{ op: "put", path: "n.txt", content: `${i + 1}\n` }])),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const res of results.filter((r) => r.status === 409)) {
      expect((await expectError(res, 409, "conflict")).head).toBe(2);
    }
    const winner = results.findIndex((r) => r.status === 201);
    expect(await fileText(id, "n.txt")).toBe(`${winner + 1}\n`);
    expect((await (await api(`/api/projects/${id}/versions`)).json<{ versions: unknown[] }>()).versions).toHaveLength(2);
  });

  it("leaves nothing behind when a change in the middle fails", async () => {
    const { id } = await createProject({ "keep.txt": "keep\n" });
    const res = await commit(id, 1, [
      { op: "put", path: "new.txt", content: "new\n" },
      { op: "put", path: "keep.txt", content: "changed\n" },
      { op: "delete", path: "missing.txt" },
      { op: "put", path: "later.txt", content: "later\n" },
    ]);
    expect((await expectError(res, 400, "not_found")).path).toBe("missing.txt");
    expect(await paths(id)).toEqual(["keep.txt"]);
    expect(await paths(id, "draft")).toEqual(["keep.txt"]);
    expect(await fileText(id, "keep.txt")).toBe("keep\n");
  });

  it("rolls back history and working tree together when a write fails inside the transaction", async () => {
    const { id } = await createProject({ "a.txt": "a\n", "b.txt": "b\n" });
    const stub = env.PROJECTS.get(env.PROJECTS.idFromName(id));
    // Fail the working-tree write of the second file, after history rows and the first file were written.
    const outcome = await runInDurableObject(stub, async (instance: ProjectObjectBase) => {
      const workspace = workspaceOf(instance);
      const original = workspace.writeFile.bind(workspace);
      let calls = 0;
      workspace.writeFile = async (...args: Parameters<typeof original>) => {
        if (++calls === 2) throw new Error("disk full");
        return original(...args);
      };
      try {
        return await instance.commit({
          base: 1,
          author: "user",
          changes: [
            { op: "put", path: "a.txt", content: new TextEncoder().encode("A\n") },
            { op: "put", path: "b.txt", content: new TextEncoder().encode("B\n") },
          ],
        });
      } catch (error) {
        return (error as Error).message;
      } finally {
        workspace.writeFile = original;
      }
    });
    expect(outcome).toBe("disk full");
    expect((await (await api(`/api/projects/${id}/versions`)).json<{ versions: unknown[] }>()).versions).toHaveLength(1);
    expect(await fileText(id, "a.txt", "draft")).toBe("a\n");
    expect(await fileText(id, "b.txt", "draft")).toBe("b\n");
    const next = await commit(id, 1, [{ op: "put", path: "a.txt", content: "A2\n" }]);
    expect(next.status).toBe(201);
    expect(await fileText(id, "a.txt", "draft")).toBe("A2\n");
  });

  it("keeps everything after the object is evicted", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    await commit(id, 1, [{ op: "put", path: "b.bin", content: "/wD+", encoding: "base64" }]);
    await abortAllDurableObjects();
    expect(await paths(id)).toEqual(["a.txt", "b.bin"]);
    expect(await paths(id, "draft")).toEqual(["a.txt", "b.bin"]);
    const bin = await api(`/api/projects/${id}/files/b.bin?version=draft`);
    expect(new Uint8Array(await bin.arrayBuffer())).toEqual(new Uint8Array([255, 0, 254]));
    expect((await commit(id, 2, [{ op: "delete", path: "a.txt" }])).status).toBe(201);
    expect(await paths(id)).toEqual(["b.bin"]);
  });
});

describe("restore", () => {
  it("records a new version with the old tree and serves it as head and draft", async () => {
    const { id } = await createProject({ "a.txt": "one\n" });
    await commit(id, 1, [
      { op: "put", path: "a.txt", content: "two\n" },
      { op: "put", path: "b.txt", content: "b\n" },
    ]);
    const res = await api(`/api/projects/${id}/restore`, { method: "POST", json: { version: 1, base: 2 } });
    expect(res.status).toBe(201);
    const restored = await res.json<{ version: number; parent: number; tree: string; changed: string[] }>();
    expect(restored).toMatchObject({ version: 3, parent: 2, changed: ["a.txt", "b.txt"] });
    const v1 = await (await api(`/api/projects/${id}/versions/1`)).json<Version>();
    expect(restored.tree).toBe(v1.tree);
    expect(await paths(id)).toEqual(["a.txt"]);
    expect(await fileText(id, "a.txt")).toBe("one\n");
    expect(await fileText(id, "a.txt", "draft")).toBe("one\n");
    expect(await paths(id, "draft")).toEqual(["a.txt"]);
    const versions = (await (await api(`/api/projects/${id}/versions`)).json<{ versions: Version[] }>()).versions;
    expect(versions[0]).toMatchObject({ id: 3, message: "Restore version 1", stats: { added: 0, modified: 1, deleted: 1 } });

    const again = await api(`/api/projects/${id}/restore`, { method: "POST", json: { version: 1 } });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ version: 3, changed: [] });
  });

  it("refuses a stale base and an unknown version", async () => {
    const { id } = await createProject({ "a.txt": "one\n" });
    await commit(id, 1, [{ op: "put", path: "a.txt", content: "two\n" }]);
    await expectError(await api(`/api/projects/${id}/restore`, { method: "POST", json: { version: 1, base: 1 } }), 409, "conflict");
    await expectError(await api(`/api/projects/${id}/restore`, { method: "POST", json: { version: 9 } }), 404, "not_found");
    expect(await fileText(id, "a.txt")).toBe("two\n");
  });
});

describe("files", () => {
  it("lists files with sizes and hashes, and serves raw bytes with an ETag", async () => {
    const { id } = await createProject({ "src/index.ts": "export {};\n", "README.md": "# Hi\n", "style.css": "a{}\n" });
    const list = await (await api(`/api/projects/${id}/files`)).json<{
      version: number;
      files: { path: string; size: number; hash: string }[];
    }>();
    expect(list.version).toBe(1);
    expect(list.files.map((f) => [f.path, f.size])).toEqual([
      ["README.md", 5],
      ["src/index.ts", 11],
      ["style.css", 4],
    ]);
    const ts = await api(`/api/projects/${id}/files/src/index.ts`);
    expect(ts.headers.get("Content-Type")).toBe("text/typescript; charset=utf-8");
    expect(ts.headers.get("ETag")).toBe(`"${list.files[1]!.hash}"`);
    expect(await ts.text()).toBe("export {};\n");
    expect((await api(`/api/projects/${id}/files/style.css`)).headers.get("Content-Type")).toBe("text/css; charset=utf-8");
    const cached = await api(`/api/projects/${id}/files/src/index.ts`, { headers: { "If-None-Match": ts.headers.get("ETag")! } });
    expect(cached.status).toBe(304);
  });

  it("serves the draft, which equals head outside a turn and follows working-tree edits", async () => {
    const { id } = await createProject({ "a.txt": "a\n", "b.txt": "b\n" });
    expect(await paths(id, "draft")).toEqual(["a.txt", "b.txt"]);
    const stub = env.PROJECTS.get(env.PROJECTS.idFromName(id));
    // Edit the working tree the way the agent's tools do: through the Workspace.
    await runInDurableObject(stub, async (instance: ProjectObjectBase) => {
      const workspace = workspaceOf(instance);
      await workspace.writeFile("/a.txt", "edited\n");
      await workspace.writeFile("/c/new.txt", "new\n");
      await workspace.rm("/b.txt");
    });
    expect(await paths(id, "draft")).toEqual(["a.txt", "c/new.txt"]);
    expect(await fileText(id, "a.txt", "draft")).toBe("edited\n");
    expect(await paths(id)).toEqual(["a.txt", "b.txt"]);
    const diffRes = await api(`/api/projects/${id}/diff?to=draft`, { headers: { Accept: "application/json" } });
    const diffText = await diffRes.text();
    const diff = JSON.parse(diffText) as { from: number; files: { path: string; status: string }[] };
    expect(diff.from).toBe(1);
    expect(diff.files.map((f) => [f.path, f.status])).toEqual([
      ["a.txt", "modified"],
      ["b.txt", "deleted"],
      ["c/new.txt", "added"],
    ]);
  });
});
