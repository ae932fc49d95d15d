// Runaway code in a sandbox never takes the server down (`npm start` runs projects' code in
// a sandbox process of its own, watched by scripts/sandbox-supervisor.mjs). Each kind of
// runaway runs while a watcher keeps asking the API and another project's preview: both must
// answer throughout, quickly, and the offender must end with an error that names the limit.
// The runaways of `execute` and a restart in the middle of one: runaway-turn.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BYSTANDER, createProject, expectBystanderServed, preview, STALL_MS, watch } from "./bystander";
import { startServer, type DevServer } from "./server";

let server: DevServer;
let bystander: string;
const state = mkdtempSync(join(tmpdir(), "forge-runaway-"));

beforeAll(async () => {
  server = await startServer(state, { env: { SANDBOX_STALL_MS: String(STALL_MS), TEST_TIMEOUT_MS: "60000" } });
  bystander = await createProject(server, BYSTANDER);
  expect(await preview(server, bystander, "/")).toMatchObject({ status: 200, body: "bystander 1" });
});

afterAll(async () => {
  await server?.stop();
  rmSync(state, { recursive: true, force: true });
});

/** Every log entry of a project, page after page. */
async function logsOf(id: string): Promise<{ level: string; message: string }[]> {
  const all: { level: string; message: string }[] = [];
  for (let after = "", more = true; more; ) {
    const page = (await (await fetch(`${server.base}/api/projects/${id}/logs${after ? `?after=${after}` : ""}`)).json()) as {
      entries: { level: string; message: string }[];
      cursor: string;
    };
    all.push(...page.entries);
    more = page.entries.length > 0;
    after = page.cursor;
  }
  return all;
}

/** Commits a fixed server to a project's version 1 and expects its preview to serve it. */
async function expectFixedServed(id: string): Promise<void> {
  const fix = await fetch(`${server.base}/api/projects/${id}/commits`, {
    method: "POST",
    body: JSON.stringify({
      base: 1,
      changes: [{ op: "put", path: "src/server.ts", content: 'export default { fetch() { return new Response("fixed"); } };' }],
    }),
  });
  expect(fix.status).toBe(201);
  expect(await preview(server, id, "/")).toMatchObject({ status: 200, body: "fixed" });
}

const runaways: Array<[string, string]> = [
  ["a handler that loops", "export default { fetch() { while (true) {} } };"],
  ["a module that loops at its top level", 'while (true) {}\nexport default { fetch() { return new Response("never"); } };'],
  [
    "a catastrophic regular expression",
    'export default { fetch(req) { const ok = /^(a+)+$/.test("a".repeat(40) + "!"); return new Response(String(ok)); } };',
  ],
];

describe("a runaway preview is stopped, and everything else keeps answering", () => {
  for (const [kind, code] of runaways) {
    it(kind, async () => {
      const id = await createProject(server, code);
      const watcher = watch(server, bystander);
      const answer = await preview(server, id, "/");
      // Asked again, the version trips the limit again, until it is known to be the cause:
      // then it is answered its error at once, without running (one more stop at most).
      const again = [await preview(server, id, "/"), await preview(server, id, "/"), await preview(server, id, "/")];
      const seen = await watcher.stop();
      expect(answer.status).toBe(503);
      expect(answer.body).toContain("exceeded its CPU limit");
      expect(answer.body).toContain("a loop that never yields?");
      expect(again.map((res) => res.status)).toEqual([503, 503, 503]);
      const barred = again.at(-1)!;
      expect(barred.body).toContain("It is answered this error for 10 s without running again");
      expect(barred.ms).toBeLessThan(STALL_MS);
      expectBystanderServed(seen);
      // The log names the limit.
      expect((await logsOf(id)).some((entry) => entry.level === "error" && entry.message.includes("exceeded its CPU limit"))).toBe(true);
      // Served again without a restart: the bystander at once, and a fixed version of the offender.
      expect(await preview(server, bystander, "/")).toMatchObject({ status: 200, body: "bystander 1" });
      await expectFixedServed(id);
    });
  }
});

it("a D1 query without end is stopped, and everything else keeps answering", async () => {
  const id = await createProject(
    server,
    "export default { async fetch(req, env) {\n  const row = await env.DB.prepare('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c').first();\n  return Response.json(row);\n} };",
    {
      "wrangler.toml":
        'name = "app"\nmain = "src/server.ts"\ncompatibility_date = "2026-04-26"\n\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "app"\ndatabase_id = "1"\n',
    },
  );
  const watcher = watch(server, bystander);
  const answer = await preview(server, id, "/");
  const seen = await watcher.stop();
  // The query runs in the sandbox process, which is stopped and started again: the API and other projects answer on.
  expect(answer.status).toBe(503);
  expect(answer.body).toContain("exceeded its CPU limit");
  expectBystanderServed(seen);
  expect(await preview(server, bystander, "/")).toMatchObject({ status: 200, body: "bystander 1" });
});

it("a POST sent to another project while a runaway spins is served once the sandbox is back", async () => {
  const id = await createProject(server, "export default { fetch() { while (true) {} } };");
  const runaway = preview(server, id, "/");
  // The runaway's code spins by then: the POST reaches the sandbox process but its code cannot begin.
  await new Promise((resolve) => setTimeout(resolve, STALL_MS / 2));
  const posted = await preview(server, bystander, "/", "posted");
  // A POST may not be sent twice in general; this one is, since its code never began, and its body with it.
  expect(posted).toMatchObject({ status: 200, body: "bystander 1 posted" });
  // It waited for the stop: it was in the process when it was stopped.
  expect(posted.ms).toBeGreaterThan(STALL_MS / 5);
  expect((await runaway).status).toBe(503);
});

it("a project test that never yields fails with the limit, and the server serves on", async () => {
  const id = await createProject(server, 'export default { fetch() { return new Response("ok"); } };', {
    "test/spin.test.ts": 'import { it } from "vitest";\nit("spins", () => { while (true) {} });\n',
  });
  const watcher = watch(server, bystander);
  const res = await fetch(`${server.base}/api/projects/${id}/test`, { method: "POST", body: "{}" });
  const seen = await watcher.stop();
  const run = (await res.json()) as { ok: boolean; results: { file: string; name: string; ok: boolean; error?: string }[] };
  expect(run.ok).toBe(false);
  // The result names the test that was running when the run was stopped, and where it is declared.
  expect(run.results).toEqual([
    {
      file: "test/spin.test.ts",
      name: "spins",
      ok: false,
      durationMs: 0,
      error: expect.stringMatching(/^The test run exceeded its CPU limit: .* \(it stopped while this test ran\)$/),
      location: { file: "test/spin.test.ts", line: 2, column: expect.any(Number) },
    },
  ]);
  expectBystanderServed(seen);
  expect(await preview(server, id, "/")).toMatchObject({ status: 200, body: "ok" });
});

it("a sandbox that allocates without end is stopped at its memory limit", async () => {
  const id = await createProject(
    server,
    "export default { fetch() { const kept = []; for (;;) kept.push(new Array(1e6).fill(Math.random())); } };",
  );
  const watcher = watch(server, bystander);
  const answer = await preview(server, id, "/");
  const seen = await watcher.stop();
  expect(answer.status).toBe(503);
  expect(answer.body).toMatch(/exceeded its (memory|CPU) limit|the sandbox runtime exited/);
  expectBystanderServed(seen);
  await expectFixedServed(id);
});

describe("an app that logs without end costs the host a bounded amount of work", () => {
  // It yields now and then (a flood without a yield is a loop, stopped at the stall limit).
  const flood =
    'for (let i = 0; i < 200000; i++) { console.log("line " + i); if (i % 2000 === 0) await new Promise((resolve) => setTimeout(resolve, 0)); }';

  it("a preview request that logs 200,000 lines is served, and the log keeps the first 1,000 and says so", async () => {
    const id = await createProject(server, `export default { async fetch() { ${flood} return new Response("logged"); } };`);
    const watcher = watch(server, bystander);
    const answer = await preview(server, id, "/");
    const seen = await watcher.stop();
    expect(answer).toMatchObject({ status: 200, body: "logged" });
    expectBystanderServed(seen);
    await expect.poll(async () => (await logsOf(id)).length).toBe(1_001);
    const logs = await logsOf(id);
    expect(logs[0]).toMatchObject({ level: "log", message: "line 0" });
    expect(logs.at(-1)).toMatchObject({
      level: "warn",
      message: expect.stringMatching(/^At least \d+ more log lines of this request were not kept/),
    });
  });

  it("a test that logs 200,000 lines passes, with the start of its output", async () => {
    const id = await createProject(server, 'export default { fetch() { return new Response("ok"); } };', {
      "test/flood.test.ts": `import { expect, it } from "vitest";\nit("floods", async () => { ${flood} expect(1).toBe(1); });\n`,
    });
    const watcher = watch(server, bystander);
    const res = await fetch(`${server.base}/api/projects/${id}/test`, { method: "POST", body: "{}" });
    const run = (await res.json()) as { ok: boolean; results: { ok: boolean; name: string; output?: string }[] };
    const seen = await watcher.stop();
    expect(run.ok).toBe(true);
    expect(run.results).toHaveLength(1);
    expect(run.results[0]!.output).toMatch(/^line 0\nline 1\n/);
    expect(run.results[0]!.output!.length).toBeLessThanOrEqual(4_000);
    expectBystanderServed(seen);
  });
});

describe("a sandbox that holds many loaded versions", () => {
  let small: DevServer;
  const smallState = mkdtempSync(join(tmpdir(), "forge-runaway-recycle-"));
  beforeAll(async () => {
    // Room for a few loaded workers only: the sandbox process alone is about 70 MB.
    small = await startServer(smallState, { env: { SANDBOX_MEMORY_MB: "160" } });
  });
  afterAll(async () => {
    await small?.stop();
    rmSync(smallState, { recursive: true, force: true });
  });

  it("is started afresh past its memory limit without failing a request", async () => {
    // Each version's worker stays loaded (about 4 MB each with this module).
    const pad = "x".repeat(900_000);
    const code = (v: number) => `const pad = "${pad}";\nexport default { fetch() { return new Response("v${v} " + pad.length); } };`;
    const id = await createProject(small, code(1));
    const other = await createProject(small, BYSTANDER);
    for (let v = 1; v <= 40; v++) {
      if (v > 1) {
        const commit = await fetch(`${small.base}/api/projects/${id}/commits`, {
          method: "POST",
          body: JSON.stringify({ base: v - 1, changes: [{ op: "put", path: "src/server.ts", content: code(v) }] }),
        });
        expect(commit.status).toBe(201);
      }
      const [version, bystanding] = await Promise.all([preview(small, id, "/"), preview(small, other, "/")]);
      expect(version).toMatchObject({ status: 200, body: `v${v} 900000` });
      expect(bystanding).toMatchObject({ status: 200, body: "bystander 1" });
    }
    expect(small.output()).toMatch(
      /\[sandbox\] the sandbox holds \d+ MB of loaded workers: the sandbox process was stopped and started again/,
    );
  });
});
