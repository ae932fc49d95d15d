import { describe, expect, it } from "vitest";
import { api, commit, createProject } from "./helpers";

type JsonDiff = {
  from: number | "draft";
  to: number | "draft";
  files: {
    path: string;
    oldPath?: string;
    status: string;
    binary: boolean;
    additions: number;
    deletions: number;
    hunks: { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] }[];
  }[];
};

const gitDiff = async (id: string, query = "") => {
  const res = await api(`/api/projects/${id}/diff${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toBe("text/x-diff; charset=utf-8");
  return res.text();
};
const jsonDiff = async (id: string, query = "") =>
  (await api(`/api/projects/${id}/diff${query}`, { headers: { Accept: "application/json" } })).json<JsonDiff>();

const lines = (n: number, prefix = "line") => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}\n`).join("");

describe("diff", () => {
  it("renders a realistic multi-file change as a git patch", async () => {
    const { id } = await createProject({
      "src/app.ts": lines(10),
      "src/old-name.ts": "export const moved = true;\n",
      "docs/gone.md": "# Gone\n",
      "notes.txt": "no newline",
      "win.txt": "one\r\ntwo\r\nthree\r\n",
      "logo.png": "placeholder\n",
    });
    const res = await commit(id, 1, [
      { op: "put", path: "src/app.ts", content: lines(10).replace("line 5\n", "line five\n") },
      { op: "move", from: "src/old-name.ts", to: "src/new-name.ts" },
      { op: "delete", path: "docs/gone.md" },
      { op: "put", path: "notes.txt", content: "no newline\nnow two lines" },
      { op: "put", path: "win.txt", content: "one\r\nTWO\r\nthree\r\n" },
      { op: "put", path: "logo.png", content: "iVBORw0KGgoAAAAN", encoding: "base64" },
      { op: "put", path: "empty.txt", content: "" },
    ]);
    expect(res.status).toBe(201);

    const patch = await gitDiff(id);
    // Git blob ids, as `git hash-object` prints them.
    expect(patch).toContain(
      "new file mode 100644\nindex 0000000000000000000000000000000000000000..e69de29bb2d1d6434b8b29ae775ad8c2e48c5391\n",
    );
    expect(patch).toMatch(/diff --git a\/logo.png b\/logo.png\nindex [0-9a-f]{40}\.\.[0-9a-f]{40} 100644\nBinary files/);
    expect(patch.replace(/^index .*\n/gm, "")).toBe(
      [
        "diff --git a/docs/gone.md b/docs/gone.md",
        "deleted file mode 100644",
        "--- a/docs/gone.md",
        "+++ /dev/null",
        "@@ -1 +0,0 @@",
        "-# Gone",
        "diff --git a/empty.txt b/empty.txt",
        "new file mode 100644",
        "diff --git a/logo.png b/logo.png",
        "Binary files a/logo.png and b/logo.png differ",
        "diff --git a/notes.txt b/notes.txt",
        "--- a/notes.txt",
        "+++ b/notes.txt",
        "@@ -1 +1,2 @@",
        "-no newline",
        "\\ No newline at end of file",
        "+no newline",
        "+now two lines",
        "\\ No newline at end of file",
        "diff --git a/src/app.ts b/src/app.ts",
        "--- a/src/app.ts",
        "+++ b/src/app.ts",
        "@@ -2,7 +2,7 @@",
        " line 2",
        " line 3",
        " line 4",
        "-line 5",
        "+line five",
        " line 6",
        " line 7",
        " line 8",
        "diff --git a/src/old-name.ts b/src/new-name.ts",
        "similarity index 100%",
        "rename from src/old-name.ts",
        "rename to src/new-name.ts",
        "diff --git a/win.txt b/win.txt",
        "--- a/win.txt",
        "+++ b/win.txt",
        "@@ -1,3 +1,3 @@",
        " one\r",
        "-two\r",
        "+TWO\r",
        " three\r",
        "",
      ].join("\n"),
    );

    const json = await jsonDiff(id);
    expect(json.from).toBe(1);
    expect(json.to).toBe(2);
    expect(json.files.map((f) => [f.path, f.status, f.binary, f.additions, f.deletions])).toEqual([
      ["docs/gone.md", "deleted", false, 0, 1],
      ["empty.txt", "added", false, 0, 0],
      ["logo.png", "modified", true, 0, 0],
      ["notes.txt", "modified", false, 2, 1],
      ["src/app.ts", "modified", false, 1, 1],
      ["src/new-name.ts", "renamed", false, 0, 0],
      ["win.txt", "modified", false, 1, 1],
    ]);
    expect(json.files[5]!.oldPath).toBe("src/old-name.ts");
    const notes = json.files[3]!;
    expect(notes.hunks).toEqual([
      { oldStart: 1, oldLines: 1, newStart: 1, newLines: 2, lines: ["-no newline", "+no newline", "+now two lines"] },
    ]);
    expect(json.files[4]!.hunks[0]).toMatchObject({ oldStart: 2, oldLines: 7, newStart: 2, newLines: 7 });
  });

  it("defaults `from` to the parent of `to`, and 0 to the empty tree", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    await commit(id, 1, [{ op: "put", path: "a.txt", content: "b\n" }]);
    await commit(id, 2, [{ op: "put", path: "c.txt", content: "c\n" }]);
    expect((await jsonDiff(id)).files.map((f) => f.path)).toEqual(["c.txt"]);
    expect((await jsonDiff(id, "?to=2")).files.map((f) => f.path)).toEqual(["a.txt"]);
    expect((await jsonDiff(id, "?from=1")).files.map((f) => f.path)).toEqual(["a.txt", "c.txt"]);
    const first = await jsonDiff(id, "?to=1");
    expect(first.from).toBe(0);
    expect(first.files).toEqual([
      {
        path: "a.txt",
        status: "added",
        binary: false,
        additions: 1,
        deletions: 0,
        hunks: [{ oldStart: 0, oldLines: 0, newStart: 1, newLines: 1, lines: ["+a"] }],
      },
    ]);
    expect(await gitDiff(id, "?from=3&to=1")).toContain(
      "deleted file mode 100644\nindex f2ad6c76f0115a6ba5b00456a849810e7ec0af20..0000000000000000000000000000000000000000\n--- a/c.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-c\n",
    );
    expect(await gitDiff(id, "?from=2&to=2")).toBe("");
    expect((await jsonDiff(id, "?format=json")).files).toHaveLength(1);
    expect(await (await api(`/api/projects/${id}/diff?format=git`, { headers: { Accept: "application/json" } })).text()).toContain(
      "diff --git",
    );
  });

  it("pairs identical deleted and added files as renames, and quotes names git would quote", async () => {
    const { id } = await createProject({ "a/one.txt": "same\n", "a/two.txt": "same\n", 'say "hi".txt': "x\n" });
    await commit(id, 1, [
      { op: "move", from: "a", to: "b" },
      { op: "put", path: 'say "hi".txt', content: "y\n" },
    ]);
    const json = await jsonDiff(id);
    expect(json.files.map((f) => [f.oldPath, f.path, f.status])).toEqual([
      ["a/one.txt", "b/one.txt", "renamed"],
      ["a/two.txt", "b/two.txt", "renamed"],
      [undefined, 'say "hi".txt', "modified"],
    ]);
    expect(await gitDiff(id)).toMatch(/^diff --git "a\/say \\"hi\\".txt" "b\/say \\"hi\\".txt"\nindex .*\n--- "a\/say \\"hi\\".txt"$/m);
  });

  it("shows binary additions against /dev/null", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    await commit(id, 1, [{ op: "put", path: "font.woff2", content: "d09GMgABAAAA", encoding: "base64" }]);
    expect((await gitDiff(id)).replace(/^index .*\n/m, "")).toBe(
      "diff --git a/font.woff2 b/font.woff2\nnew file mode 100644\nBinary files /dev/null and b/font.woff2 differ\n",
    );
  });
});

describe("line diff fallback", () => {
  it("replaces the whole file when the line diff runs out of time, and the patch still applies", async () => {
    const { applyPatch } = await import("diff");
    const { textHunks } = await import("../src/diff/file-diff");
    // Every 10th line is shared, so a completed line diff keeps them as context.
    const oldText = Array.from({ length: 3000 }, (_, i) => (i % 10 ? `old ${i}` : `same ${i}`)).join("\n") + "\n";
    const newText = Array.from({ length: 2500 }, (_, i) => (i % 10 ? `new ${i}` : `same ${i}`)).join("\n");
    expect(textHunks(oldText, newText, 60_000)[0]!.lines).toContain(" same 10");
    const hunks = textHunks(oldText, newText, 1);
    expect(hunks).toHaveLength(1);
    expect(hunks[0]!.lines.some((line) => line.startsWith(" "))).toBe(false);
    expect(hunks[0]).toMatchObject({ oldStart: 1, oldLines: 3000, newStart: 1, newLines: 2500 });
    expect(hunks[0]!.lines.at(-1)).toBe("\\ No newline at end of file");
    const patch = { oldFileName: "f", newFileName: "f", oldHeader: undefined, newHeader: undefined, hunks };
    expect(applyPatch(oldText, patch)).toBe(newText);
  });
});
