import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../src/config";
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

describe("in-memory store", () => {
  it("diffs the draft against head after an edit", async () => {
    const store = new MemoryStore(DEFAULT_LIMITS);
    await store.commit({ base: 0, author: "user", changes: [put("a.txt", "a\n")] });
    store.writeDraft("a.txt", enc.encode("b\n"));
    const [file] = await diffTrees(store, 1, "draft");
    expect(file).toMatchObject({ path: "a.txt", status: "modified", additions: 1, deletions: 1 });
  });
});
