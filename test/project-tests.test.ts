/// <reference types="vite/client" />
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, commit, createProject, expectError } from "./helpers";

type TestRunBody = {
  version: number | "draft";
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
  cached: boolean;
  results: {
    file: string;
    name: string;
    ok: boolean;
    durationMs: number;
    error?: string;
    output?: string;
    location?: { file: string; line: number; column: number };
  }[];
  buildErrors?: { file?: string; line?: number; message: string }[];
};

async function runTests(id: string, version?: number | "draft"): Promise<TestRunBody> {
  const res = await api(`/api/projects/${id}/test`, { method: "POST", json: version === undefined ? {} : { version } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST /test answered ${res.status}: ${text}`);
  return JSON.parse(text) as TestRunBody;
}

function result(run: TestRunBody, name: string) {
  const found = run.results.find((entry) => entry.name === name);
  if (!found) throw new Error(`no result named "${name}" in ${JSON.stringify(run.results, null, 2)}`);
  return found;
}

/** The sample project whose tests CI also runs under the real Workers Vitest pool (project "fixture"). */
const NOTES_APP = Object.fromEntries(
  Object.entries(
    import.meta.glob("./fixtures/notes-app/**/*", { query: "?raw", import: "default", eager: true }) as Record<string, string>,
  ).map(([path, content]) => [path.slice("./fixtures/notes-app/".length), content]),
);

const SERVER = 'export default { fetch: () => new Response("hi") };\n';

describe("project tests", () => {
  it("runs the starter's test through the API, then answers from the stored run", async () => {
    const { id } = await createProject();
    const run = await runTests(id);
    expect(run).toMatchObject({ version: 1, ok: true, passed: 1, failed: 0, cached: false });
    expect(run.results).toEqual([
      { file: "test/server.test.ts", name: "server > answers /api/hello", ok: true, durationMs: expect.any(Number) },
    ]);
    // The draft has the head's tree, so its run is the stored one.
    expect(await runTests(id, "draft")).toMatchObject({ version: "draft", ok: true, passed: 1, cached: true });
  });

  it("runs the sample project's tests (also run under the Workers Vitest pool) with a fresh KV per run", async () => {
    expect(Object.keys(NOTES_APP)).toContain("test/notes.test.ts");
    const { id } = await createProject(NOTES_APP);
    // Data the preview writes must not be seen by, or changed by, the tests.
    const preview = (path: string, init?: RequestInit) => SELF.fetch(`http://${id}.preview.localhost:8787${path}`, init);
    const added = await preview("/api/notes", { method: "POST", body: JSON.stringify({ title: "Preview note" }) });
    expect(added.status).toBe(201);

    const run = await runTests(id);
    expect(run.results.filter((entry) => !entry.ok)).toEqual([]);
    expect(run.results.map((entry) => `${entry.file} :: ${entry.name}`).sort()).toEqual([
      "test/notes.test.ts :: notes API > adding a note > refuses a note without a title",
      "test/notes.test.ts :: notes API > adding a note > stores it under its slug",
      "test/notes.test.ts :: notes API > answers 404 for an unknown note",
      "test/notes.test.ts :: notes API > lists no notes before any is added",
      "test/slug.test.ts :: slugify > lower-cases and joins words with dashes",
      "test/slug.test.ts :: slugify > refuses a title without letters or digits",
    ]);
    expect(run).toMatchObject({ ok: true, passed: 6, failed: 0 });
    expect(await (await preview("/api/notes")).json()).toEqual({ ids: ["preview-note"] });
    // The run's KV is gone with it.
    const tables = await runInDurableObject(env.PROJECTS.get(env.PROJECTS.idFromName(id)), (_, state) =>
      state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((row) => row.name),
    );
    expect(tables).toContain("app_kv");
    expect(tables.filter((name) => name.startsWith("test_kv_"))).toEqual([]);
  });

  it("reports failing, import-throwing, hanging and non-compiling test files, each on its own", async () => {
    const { id } = await createProject({
      "src/server.ts": SERVER,
      "test/fail.test.ts": [
        'import { describe, expect, it } from "vitest";',
        "",
        'describe("outer", () => {',
        '  describe("inner", () => {',
        '    it("compares objects", () => {',
        '      expect({ name: "Ada", langs: ["en", "fr"] }).toEqual({ name: "Ada", langs: ["en", "de"] });',
        "    });",
        '    it("passes", () => expect(1 + 1).toBe(2));',
        "  });",
        "});",
        "",
      ].join("\n"),
      "test/import.test.ts": 'import { it } from "vitest";\nit("never collected", () => {});\nthrow new Error("boom while importing");\n',
      "test/hang.test.ts":
        'import { it } from "vitest";\n\nit("never settles", () => new Promise(() => {}));\nit("runs after the hang", () => {});\n',
      "test/broken.test.ts": 'import { it } from "vitest";\nit("x", () => { const n: number = ; });\n',
      "test/skip.test.ts": 'import { it } from "vitest";\nit.skip("later", () => {});\nit.todo("some day");\nit("runs", () => {});\n',
    });
    const run = await runTests(id);
    expect(run).toMatchObject({ ok: false, passed: 3, failed: 4, skipped: 2 });

    const failed = result(run, "outer > inner > compares objects");
    // Located at the matcher call, as vitest points to it.
    expect(failed).toMatchObject({ file: "test/fail.test.ts", ok: false, location: { file: "test/fail.test.ts", line: 6, column: 52 } });
    expect(failed.error).toContain(
      "AssertionError: expected { name: 'Ada', langs: [ 'en', 'fr' ] } to deeply equal { name: 'Ada', langs: [ 'en', 'de' ] }",
    );
    expect(failed.error).toContain("- Expected\n+ Received");
    expect(failed.error).toMatch(/-\s+"de",\n\+\s+"fr",/);
    expect(failed.error).toContain("at test/fail.test.ts:6:52");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no ANSI colour code (ESC [) may reach the API.
    expect(failed.error).not.toMatch(/\u001b\[/);
    expect(result(run, "outer > inner > passes").ok).toBe(true);

    expect(result(run, "test/import.test.ts")).toMatchObject({ ok: false, location: { file: "test/import.test.ts", line: 3 } });
    expect(result(run, "test/import.test.ts").error).toContain("Error: boom while importing");

    const hung = result(run, "never settles");
    expect(hung.ok).toBe(false);
    expect(hung.error).toContain("Test timed out in 1500ms");
    expect(hung.location).toMatchObject({ file: "test/hang.test.ts", line: 3 });
    expect(result(run, "runs after the hang").ok).toBe(true);

    expect(result(run, "test/broken.test.ts")).toMatchObject({ ok: false, location: { file: "test/broken.test.ts", line: 2, column: 35 } });
    expect(result(run, "test/broken.test.ts").error).toContain('Unexpected ";"');
    expect(result(run, "runs").ok).toBe(true);
  });

  it("supports hooks, each, only, todo, spies, asymmetric matchers, assertion counts and cloudflare:test env", async () => {
    const { id } = await createProject({
      "src/server.ts": 'export default { async fetch(req, env) { return new Response(await env.KV.get("greeting") ?? "none"); } };\n',
      "test/features.test.ts": [
        'import { env, SELF, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";',
        'import { afterEach, beforeAll, beforeEach, describe, expect, it, test, vi } from "vitest";',
        "const order: string[] = [];",
        'beforeAll(() => { order.push("beforeAll"); });',
        'describe("hooks", () => {',
        '  beforeEach(() => { order.push("beforeEach"); });',
        '  afterEach(() => { order.push("afterEach"); });',
        '  it("first", () => { order.push("first"); });',
        '  it("second", () => { expect(order).toEqual(["beforeAll", "beforeEach", "first", "afterEach", "beforeEach"]); });',
        "});",
        'test.each([[1, 2, 3], [2, 2, 4]])("add(%i, %i) = %i", (a, b, sum) => { expect(a + b).toBe(sum); });',
        'it("counts assertions", () => { expect.assertions(2); expect(1).toBe(1); });',
        'it("spies", () => { const fn = vi.fn((x: number) => x * 2); fn(21); expect(fn).toHaveBeenCalledWith(21); expect(fn).toHaveReturnedWith(42); });',
        'it("spies on methods", () => { const math = { double: (x: number) => x * 2 }; const spy = vi.spyOn(math, "double"); math.double(2); expect(spy).toHaveBeenCalledTimes(1); spy.mockRestore(); });',
        'it("matches asymmetrically", () => { expect({ at: Date.now(), tags: ["a", "b"] }).toEqual({ at: expect.any(Number), tags: expect.arrayContaining(["b"]) }); });',
        'it("shares env with SELF", async () => {',
        '  await env.KV.put("greeting", "hello");',
        '  expect(await (await SELF.fetch("http://app/")).text()).toBe("hello");',
        "  const ctx = createExecutionContext();",
        "  let done = false;",
        "  ctx.waitUntil(Promise.resolve().then(() => { done = true; }));",
        "  await waitOnExecutionContext(ctx);",
        "  expect(done).toBe(true);",
        "});",
        'it.todo("later");',
        "",
      ].join("\n"),
      "test/only.test.ts":
        'import { it } from "vitest";\nit.only("runs alone", () => {});\nit("is skipped by only", () => { throw new Error("ran"); });\n',
    });
    const run = await runTests(id);
    expect(run.results.map((entry) => [entry.name, entry.ok, entry.error?.split("\n")[0]])).toEqual([
      ["hooks > first", true, undefined],
      ["hooks > second", true, undefined],
      ["add(1, 2) = 3", true, undefined],
      ["add(2, 2) = 4", true, undefined],
      ["counts assertions", false, "Error: expected number of assertions to be 2, but got 1"],
      ["spies", true, undefined],
      ["spies on methods", true, undefined],
      ["matches asymmetrically", true, undefined],
      ["shares env with SELF", true, undefined],
      ["runs alone", true, undefined],
    ]);
    expect(run.skipped).toBe(2);
  });

  it("keeps each test's console output, and names imports the sandbox does not provide", async () => {
    const { id } = await createProject({
      "src/server.ts": 'export default { fetch(req) { console.log("served", new URL(req.url).pathname); return new Response("hi"); } };\n',
      "test/logs.test.ts": [
        'import { SELF } from "cloudflare:test";',
        'import { expect, it } from "vitest";',
        'it("logs", async () => {',
        '  console.log("from the test", { n: 1 });',
        '  console.warn("careful");',
        '  await SELF.fetch("http://app/path");',
        "  expect(1).toBe(2);",
        "});",
        'it("stays quiet", () => {});',
        "",
      ].join("\n"),
      "test/mock.test.ts":
        'import { describe, it, vi as spies, expectTypeOf, type Mock } from "vitest";\nimport { SELF,\n  runInDurableObject } from "cloudflare:test";\nit("x", () => {});\n',
    });
    const run = await runTests(id);
    expect(result(run, "logs").output).toBe("from the test { n: 1 }\nwarn: careful\nserved /path\n");
    expect(result(run, "stays quiet")).not.toHaveProperty("output");
    const mock = result(run, "test/mock.test.ts");
    expect(mock).toMatchObject({ ok: false, location: { file: "test/mock.test.ts", line: 1, column: 1 } });
    expect(mock.error).toContain('test/mock.test.ts:1:1: "expectTypeOf" from "vitest" is not available in the sandbox\'s test runner.');
    expect(mock.error).toContain('test/mock.test.ts:2:1: "runInDurableObject" from "cloudflare:test" is not available');
    expect(mock.error).not.toContain('"Mock"');
    expect(mock.error).not.toContain('"vi"');
  });

  it("runs what each edit changed: a test file, or a file it imports, while reusing unchanged test bundles", async () => {
    const { id } = await createProject({
      "src/index.ts": 'export default { fetch: () => new Response("one") };\n',
      "src/lib.ts": "export const answer = 1;\n",
      "test/lib.test.ts":
        'import { expect, it } from "vitest";\nimport { answer } from "../src/lib";\nit("answers", () => expect(answer).toBe(1));\n',
      "test/server.test.ts":
        'import { SELF } from "cloudflare:test";\nimport { expect, it } from "vitest";\nit("serves", async () => expect(await (await SELF.fetch("http://x/")).text()).toBe("one"));\n',
    });
    const edit = async (base: number, path: string, content: string) =>
      expect((await commit(id, base, [{ op: "put", path, content }])).status).toBe(201);
    expect(await runTests(id)).toMatchObject({ ok: true, passed: 2 });
    await edit(1, "src/index.ts", 'export default { fetch: () => new Response("two") };\n');
    expect(await runTests(id)).toMatchObject({ ok: false, passed: 1, failed: 1 });
    expect(result(await runTests(id), "serves").error).toContain('"two"');
    await edit(2, "src/lib.ts", "export const answer = 2;\n");
    expect(result(await runTests(id), "answers").ok).toBe(false);
    await edit(
      3,
      "test/lib.test.ts",
      'import { expect, it } from "vitest";\nimport { answer } from "../src/lib";\nit("answers", () => expect(answer).toBe(2));\n',
    );
    expect(result(await runTests(id), "answers").ok).toBe(true);
  });

  it("answers ok with no results for a project without test files", async () => {
    const { id } = await createProject({ "src/server.ts": SERVER });
    expect(await runTests(id)).toMatchObject({ ok: true, passed: 0, failed: 0, results: [] });
  });

  it("answers a failed build with its errors and no results", async () => {
    const { id } = await createProject({
      "src/server.ts": "export default {\n",
      "test/a.test.ts": 'import { it } from "vitest";\nit("a", () => {});\n',
    });
    const run = await runTests(id);
    expect(run).toMatchObject({ ok: false, passed: 0, failed: 0, results: [] });
    expect(run.buildErrors?.[0]).toMatchObject({ file: "src/server.ts", line: 2 });
  });

  it("gives tests their npm dependencies, also in a project without a server", async () => {
    const { id } = await createProject({
      "package.json": JSON.stringify({ dependencies: { "tiny-greet": "^1.0.0" } }),
      "index.html": "<!doctype html><p>static</p>\n",
      "test/greet.test.ts": [
        'import { SELF } from "cloudflare:test";',
        'import { greet } from "tiny-greet";',
        'import { expect, it } from "vitest";',
        'it("greets", () => expect(greet("Ada")).toBe("Hello, Ada!"));',
        'it("has no server", async () => {',
        '  await expect(SELF.fetch("http://x/")).rejects.toThrow("this project has no server entry");',
        "});",
        "",
      ].join("\n"),
    });
    const run = await runTests(id);
    expect(run.results.filter((entry) => !entry.ok)).toEqual([]);
    expect(run).toMatchObject({ ok: true, passed: 2 });
  });

  it("applies the preview's network policy to tests", async () => {
    const { id } = await createProject({
      "src/server.ts": SERVER,
      "test/net.test.ts":
        'import { expect, it } from "vitest";\nit("reaches the echo API", async () => {\n  const res = await fetch("https://echo.example.test/ping");\n  expect(res.status).toBe(200);\n});\n',
    });
    const blocked = await runTests(id);
    expect(blocked.ok).toBe(false);
    expect(blocked.results[0]!.error).toContain("Network access to echo.example.test is blocked");
    const put = await api(`/api/projects/${id}/settings`, { method: "PUT", json: { allowedHosts: ["echo.example.test"] } });
    expect(put.status).toBe(200);
    // With network access, a run depends on the outside world: it is never reused.
    expect(await runTests(id)).toMatchObject({ ok: true, passed: 1, cached: false });
    expect(await runTests(id)).toMatchObject({ ok: true, passed: 1, cached: false });
  });

  it("refuses unknown projects, versions and bad bodies", async () => {
    const { id } = await createProject();
    await expectError(await api(`/api/projects/${id}/test`, { method: "POST", json: { version: 9 } }), 404, "not_found");
    await expectError(await api(`/api/projects/${id}/test`, { method: "POST", json: { version: "v1" } }), 400, "invalid_request");
    await expectError(await api("/api/projects/nosuchproject/test", { method: "POST", json: {} }), 404, "not_found");
  });
});

/** Each matcher the contract lists, passing and failing, with a fragment of its failure message. */
const MATCHERS: [name: string, passing: string, failing: string, message: string][] = [
  ["toBe", "expect(1).toBe(1)", "expect(1).toBe(2)", "expected 1 to be 2"],
  ["toEqual", "expect({ a: [1] }).toEqual({ a: [1] })", "expect({ a: [1] }).toEqual({ a: [2] })", "to deeply equal { a: [ 2 ] }"],
  [
    "toStrictEqual",
    "expect({ a: 1 }).toStrictEqual({ a: 1 })",
    "expect({ a: 1, b: undefined }).toStrictEqual({ a: 1 })",
    "to strictly equal { a: 1 }",
  ],
  ["toBeTruthy", "expect(1).toBeTruthy()", "expect(0).toBeTruthy()", "expected +0 to be truthy"],
  ["toBeFalsy", 'expect("").toBeFalsy()', 'expect("x").toBeFalsy()', "expected 'x' to be falsy"],
  ["toContain", 'expect(["a", "b"]).toContain("b")', 'expect("abc").toContain("z")', "expected 'abc' to contain 'z'"],
  ["toMatch", 'expect("hello").toMatch(/ell/)', 'expect("hello").toMatch(/xyz/)', "expected 'hello' to match /xyz/"],
  ["toHaveLength", "expect([1, 2]).toHaveLength(2)", "expect([1, 2]).toHaveLength(3)", "expected [ 1, 2 ] to have a length of 3 but got 2"],
  [
    "toHaveProperty",
    'expect({ a: { b: 1 } }).toHaveProperty("a.b", 1)',
    'expect({ a: 1 }).toHaveProperty("b")',
    'expected { a: 1 } to have property "b"',
  ],
  ["toBeGreaterThan", "expect(2).toBeGreaterThan(1)", "expect(1).toBeGreaterThan(2)", "expected 1 to be greater than 2"],
  [
    "toBeGreaterThanOrEqual",
    "expect(2).toBeGreaterThanOrEqual(2)",
    "expect(1).toBeGreaterThanOrEqual(2)",
    "expected 1 to be greater than or equal to 2",
  ],
  ["toBeLessThan", "expect(1).toBeLessThan(2)", "expect(2).toBeLessThan(1)", "expected 2 to be less than 1"],
  [
    "toBeLessThanOrEqual",
    "expect(2).toBeLessThanOrEqual(2)",
    "expect(3).toBeLessThanOrEqual(2)",
    "expected 3 to be less than or equal to 2",
  ],
  ["toBeNull", "expect(null).toBeNull()", 'expect("x").toBeNull()', "expected 'x' to be null"],
  ["toBeUndefined", "expect(undefined).toBeUndefined()", "expect(1).toBeUndefined()", "expected 1 to be undefined"],
  ["toBeDefined", "expect(0).toBeDefined()", "expect(undefined).toBeDefined()", "expected undefined to be defined"],
  [
    "toThrow",
    'expect(() => { throw new Error("bad") }).toThrow("bad")',
    "expect(() => {}).toThrow()",
    "expected [Function] to throw an error",
  ],
  ["not", "expect(1).not.toBe(2)", "expect(1).not.toBe(1)", "expected 1 not to be 1"],
  [
    "resolves",
    "await expect(Promise.resolve(3)).resolves.toBe(3)",
    "await expect(Promise.resolve(3)).resolves.toBe(4)",
    "expected 3 to be 4",
  ],
  [
    "rejects",
    'await expect(Promise.reject(new Error("no"))).rejects.toThrow("no")',
    "await expect(Promise.resolve(1)).rejects.toThrow()",
    'promise resolved "1" instead of rejecting',
  ],
];

describe("expect in the sandbox", () => {
  it("passes and fails each listed matcher with vitest's messages", async () => {
    const file = [
      'import { describe, expect, it } from "vitest";',
      ...MATCHERS.flatMap(([name, passing, failing]) => [
        `describe(${JSON.stringify(name)}, () => {`,
        `  it("passes", async () => { ${passing}; });`,
        `  it("fails", async () => { ${failing}; });`,
        "});",
      ]),
      "",
    ].join("\n");
    const { id } = await createProject({ "src/server.ts": SERVER, "test/matchers.test.ts": file });
    const run = await runTests(id);
    expect(run).toMatchObject({ passed: MATCHERS.length, failed: MATCHERS.length });
    const wrong = MATCHERS.flatMap(([name, , , message]) => {
      const passing = result(run, `${name} > passes`);
      const failing = result(run, `${name} > fails`);
      const ok = passing.ok && !failing.ok && failing.error?.includes(message) && failing.location?.file === "test/matchers.test.ts";
      return ok ? [] : [{ name, passing: passing.error ?? "passed", failing: failing.error ?? "passed" }];
    });
    expect(wrong).toEqual([]);
  });
});
