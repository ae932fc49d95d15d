import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../src/server-config";
import { diffTrees } from "../src/diff";
import { MemoryStore, SqlStore, StoreError, type Change, type ProjectStore } from "../src/store";

// The same contract, checked against both implementations.
type WithStore = (test: (store: ProjectStore) => Promise<void>) => Promise<void>;
const implementations: [string, WithStore][] = [
  ["in-memory", (test) => test(new MemoryStore(DEFAULT_LIMITS))],
  [
    "SQLite",
    async (test) => {
      const stub = env.PROJECTS.get(env.PROJECTS.newUniqueId());
      await runInDurableObject(stub, async (_instance, state) => test(await SqlStore.open(state.storage, DEFAULT_LIMITS)));
    },
  ],
];

const enc = new TextEncoder();
const put = (path: string, text: string): Change => ({ op: "put", path, content: enc.encode(text) });
const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: unknown) => (error instanceof StoreError ? error.code : String(error)),
  );

describe.each(implementations)("%s store", (_name, withStore) => {
  it("records version 1 even when empty, then skips commits that change nothing", () =>
    withStore(async (store) => {
      expect(await store.head()).toBe(0);
      const first = await store.commit({ base: 0, author: "user", changes: [] });
      expect(first).toMatchObject({ version: 1, parent: null, created: true, changed: [] });
      const again = await store.commit({ base: 1, author: "user", changes: [put("a", "x"), { op: "delete", path: "a" }] });
      expect(again).toMatchObject({ version: 1, created: false, changed: [] });
      expect(await store.versions()).toHaveLength(1);
    }));

  it("refuses stale bases, missing paths and clashes without changing anything", () =>
    withStore(async (store) => {
      await store.commit({ base: 0, author: "user", changes: [put("a/b.txt", "1")] });
      expect(await codeOf(store.commit({ base: 0, author: "user", changes: [put("x", "1")] }))).toBe("conflict");
      expect(await codeOf(store.commit({ base: 1, author: "user", changes: [{ op: "delete", path: "nope" }] }))).toBe("missing_path");
      expect(await codeOf(store.commit({ base: 1, author: "user", changes: [put("a", "file over a directory")] }))).toBe("path_conflict");
      expect(await codeOf(store.commit({ base: 1, author: "user", changes: [put("../x", "1")] }))).toBe("invalid_path");
      expect(await codeOf(store.version(2))).toBe("not_found");
      expect(await store.head()).toBe(1);
      expect([...(await store.manifest("draft")).keys()]).toEqual(["a/b.txt"]);
    }));

  it("reports deltas by hash, restores old trees and keeps the draft at head", () =>
    withStore(async (store) => {
      await store.commit({ base: 0, author: "user", changes: [put("keep", "k"), put("edit", "1"), put("dir/x", "x"), put("dir/y", "y")] });
      const second = await store.commit({
        base: 1,
        author: "agent",
        message: "edit",
        changes: [put("edit", "2"), { op: "move", from: "dir", to: "moved" }, put("new", "n")],
      });
      expect(second.changed).toEqual(["dir/x", "dir/y", "edit", "moved/x", "moved/y", "new"]);
      const delta = await store.delta(1, 2);
      expect([...delta.added.keys()].sort()).toEqual(["moved/x", "moved/y", "new"]);
      expect([...delta.deleted.keys()].sort()).toEqual(["dir/x", "dir/y"]);
      expect([...delta.modified.keys()]).toEqual(["edit"]);
      expect(await store.version(2)).toMatchObject({ author: "agent", message: "edit", stats: { added: 3, modified: 1, deleted: 2 } });

      const restored = await store.restore({ version: 1, author: "user" });
      expect(restored).toMatchObject({ version: 3, parent: 2, created: true });
      expect((await store.version(3)).tree).toBe((await store.version(1)).tree);
      expect(await store.manifest("draft")).toEqual(await store.manifest(1));
      expect(new TextDecoder().decode((await store.readFile("draft", "edit"))!.bytes)).toBe("1");
      expect(await store.readFile(3, "new")).toBeNull();
      expect(await codeOf(store.restore({ version: 1, base: 2, author: "user" }))).toBe("conflict");
    }));

  it("diffs versions through the interface, pairing exact renames", () =>
    withStore(async (store) => {
      await store.commit({ base: 0, author: "user", changes: [put("a.txt", "same\n"), put("b.txt", "one\n")] });
      await store.commit({ base: 1, author: "user", changes: [{ op: "move", from: "a.txt", to: "c.txt" }, put("b.txt", "two\n")] });
      const files = await diffTrees(store, 1, 2);
      expect(files.map((f) => [f.path, f.status, f.oldPath])).toEqual([
        ["b.txt", "modified", undefined],
        ["c.txt", "renamed", "a.txt"],
      ]);
      expect(files[0]!.hunks[0]!.lines).toEqual(["-one", "+two"]);
    }));
});

describe.each(implementations)("%s store's draft", (_name, withStore) => {
  const text = async (store: ProjectStore, path: string) => {
    const file = await store.readFile("draft", path);
    return file && new TextDecoder().decode(file.bytes);
  };

  it("takes edits all or nothing, validated like a commit, without touching history", () =>
    withStore(async (store) => {
      await store.commit({ base: 0, author: "user", changes: [put("a.txt", "a\n"), put("dir/b.txt", "b\n")] });
      const changed = await store.editDraft([
        put("c.txt", "c\n"),
        { op: "move", from: "dir", to: "moved" },
        { op: "delete", path: "a.txt" },
      ]);
      expect(changed).toEqual(["a.txt", "c.txt", "dir/b.txt", "moved/b.txt"]);
      expect([...(await store.manifest("draft")).keys()].sort()).toEqual(["c.txt", "moved/b.txt"]);
      expect(await text(store, "moved/b.txt")).toBe("b\n");
      expect(await store.head()).toBe(1);

      for (const bad of [[put("ok.txt", "x"), put("../up", "x")], [{ op: "delete", path: "nope" } as Change], [put("c.txt/d", "x")]]) {
        expect(await codeOf(store.editDraft(bad))).not.toBe("resolved");
      }
      // What runs alongside the edit fails: the edit does not land either.
      expect(
        await codeOf(
          store.editDraft([put("e.txt", "e\n")], () => {
            throw new Error("record failed");
          }),
        ),
      ).toBe("Error: record failed");
      expect([...(await store.manifest("draft")).keys()].sort()).toEqual(["c.txt", "moved/b.txt"]);
    }));

  it("restores a snapshot of the draft, also after further edits, and checks edits made around editDraft", () =>
    withStore(async (store) => {
      await store.commit({ base: 0, author: "user", changes: [put("a.txt", "a\n")] });
      await store.editDraft([put("b.txt", "b\n")]);
      const tree = await store.snapshotDraft();
      await store.editDraft([put("a.txt", "changed\n"), put("c/d.txt", "d\n"), { op: "delete", path: "b.txt" }]);
      let ran = false;
      await store.restoreDraft(tree, () => {
        ran = true;
      });
      expect(ran).toBe(true);
      expect([...(await store.manifest("draft")).keys()].sort()).toEqual(["a.txt", "b.txt"]);
      expect(await text(store, "a.txt")).toBe("a\n");
      expect(await codeOf(store.restoreDraft("f".repeat(64)))).toBe("not_found");
      await store.checkDraft();
    }));

  it("commits the draft as one version, once", () =>
    withStore(async (store) => {
      await store.commit({ base: 0, author: "user", changes: [put("a.txt", "a\n")] });
      await store.editDraft([put("a.txt", "A\n"), put("b.bin", "\u0000\u0001")]);
      expect(await codeOf(store.commitDraft({ base: 0, message: "stale", author: "agent" }))).toBe("conflict");
      const result = await store.commitDraft({ base: 1, message: "Agent: edit a", author: "agent" });
      expect(result).toMatchObject({ version: 2, parent: 1, created: true, changed: ["a.txt", "b.bin"] });
      expect(await store.version(2)).toMatchObject({
        author: "agent",
        message: "Agent: edit a",
        stats: { added: 1, modified: 1, deleted: 0 },
      });
      expect(new TextDecoder().decode((await store.readFile(2, "a.txt"))!.bytes)).toBe("A\n");
      expect((await store.readFile(2, "b.bin"))!.bytes).toEqual(new Uint8Array([0, 1]));
      expect(await store.commitDraft({ base: 2, message: "again", author: "agent" })).toMatchObject({ version: 2, created: false });
      expect(await store.delta(2, "draft")).toEqual({ added: new Map(), deleted: new Map(), modified: new Map() });
    }));
});

describe("SQLite store's draft written directly (as the execute tool's state API does)", () => {
  it("finds what a commit would refuse", async () => {
    const stub = env.PROJECTS.get(env.PROJECTS.newUniqueId());
    await runInDurableObject(stub, async (_instance, state) => {
      const store = await SqlStore.open(state.storage, { ...DEFAULT_LIMITS, maxFileBytes: 10 });
      await store.commit({ base: 0, author: "user", changes: [put("a.txt", "a\n")] });
      const tree = await store.snapshotDraft();
      await store.workspace.writeFile("/node_modules/x.js", "x");
      expect(await codeOf(store.checkDraft())).toBe("invalid_path");
      await store.restoreDraft(tree);
      await store.workspace.writeFile("/big.txt", "more than ten bytes");
      expect(await codeOf(store.checkDraft())).toBe("too_large");
      await store.restoreDraft(tree);
      await store.checkDraft();
      expect([...(await store.manifest("draft")).keys()]).toEqual(["a.txt"]);
    });
  });
});

describe("in-memory store", () => {
  it("diffs the draft against head after an edit", async () => {
    const store = new MemoryStore(DEFAULT_LIMITS);
    await store.commit({ base: 0, author: "user", changes: [put("a.txt", "a\n")] });
    await store.editDraft([put("a.txt", "b\n")]);
    const [file] = await diffTrees(store, 1, "draft");
    expect(file).toMatchObject({ path: "a.txt", status: "modified", additions: 1, deletions: 1 });
  });
});
