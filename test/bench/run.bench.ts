// `npm run bench`: edit→preview latency on the reference app through a real
// `npm start` server (wrangler dev, local workerd), for server and client edits,
// against the baseline of a full rebuild from scratch for every edit; edit→test
// verdict (POST /test after each edit); a new project's first preview with the
// shared dependency cache warm; cold preview after a restart; memory per loaded
// preview; and the agent loop's own time per step (a replay turn's time outside
// the model and the tools) with the replay turn's tokens; a runaway's time to its error
// and to recovery, and another preview's worst wait meanwhile. Every figure is the
// median (and p95) of its samples in this one run. Writes bench-results.json and
// prints a table.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { serveFakeRegistry } from "../fake-network";
import { startServer } from "../e2e/server";
import { edit, REFERENCE_APP, SVELTE_APP, svelteEdit } from "./reference-app";

const EDITS = Number(process.env.BENCH_EDITS ?? 40);
const SVELTE_EDITS = Number(process.env.BENCH_SVELTE_EDITS ?? 20);
const FULL_REBUILDS = Number(process.env.BENCH_FULL_REBUILDS ?? 12);
const NEW_PROJECTS = Number(process.env.BENCH_NEW_PROJECTS ?? 12);
const MEMORY_VERSIONS = Number(process.env.BENCH_MEMORY_VERSIONS ?? 2000);
const TEST_RUNS = Number(process.env.BENCH_TEST_RUNS ?? 12);
const AGENT_TURNS = Number(process.env.BENCH_AGENT_TURNS ?? 6);
const RUNAWAYS = Number(process.env.BENCH_RUNAWAYS ?? 6);

test("benchmark", { timeout: 60 * 60_000 }, async () => {
  const registry = await serveFakeRegistry();
  const state = mkdtempSync(join(tmpdir(), "forge-bench-"));
  // Every loaded version stays in the sandbox process: room for the memory measure's 2,000.
  const env = { NPM_REGISTRY: registry.url, MODEL: "replay", SANDBOX_MEMORY_MB: "8192" };
  let server = await startServer(state, { env });
  try {
    const api = async <T>(path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${server.base}${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<T>;
    };
    const waitFor = async (label: string, path: string, contains: string) => {
      for (let i = 0; i < 2_000; i++) {
        const { status, body } = await get(server.port, `${label}.preview.localhost:${server.port}`, path);
        if (status === 200 && body.includes(contains)) return;
        if (status !== 200 && status !== 502) throw new Error(`${label}${path}: ${status} ${body.slice(0, 300)}`);
      }
      throw new Error(`${label}${path} never showed ${contains}`);
    };

    // The reference app, built once (this first build installs the dependencies).
    const { id } = await api<{ id: string }>("/api/projects", { files: REFERENCE_APP });
    await waitFor(id, "/api/hello", "hello 0");

    // Edits alternate between the server and a client component.
    const editToPreview: number[] = [];
    const serverEdits: number[] = [];
    const clientEdits: number[] = [];
    for (let i = 1, head = 1; i <= EDITS; i++) {
      const change = edit(i);
      const started = performance.now();
      head = (
        await api<{ version: number }>(`/api/projects/${id}/commits`, {
          base: head,
          changes: [{ op: "put", path: change.path, content: change.content }],
        })
      ).version;
      await waitFor(id, change.check.path, change.check.contains);
      const ms = performance.now() - started;
      editToPreview.push(ms);
      (change.side === "server" ? serverEdits : clientEdits).push(ms);
    }

    // Svelte component edits, on a Svelte app of the same shape: compiled in the sandbox by its own svelte.
    const svelteProject = await api<{ id: string }>("/api/projects", { files: SVELTE_APP });
    await waitFor(svelteProject.id, "/", "/main.js");
    const svelteEdits: number[] = [];
    for (let i = 1, head = 1; i <= SVELTE_EDITS; i++) {
      const change = svelteEdit(i);
      const started = performance.now();
      head = (
        await api<{ version: number }>(`/api/projects/${svelteProject.id}/commits`, {
          base: head,
          changes: [{ op: "put", path: change.path, content: change.content }],
        })
      ).version;
      await waitFor(svelteProject.id, change.check.path, change.check.contains);
      svelteEdits.push(performance.now() - started);
    }

    // Edit → test verdict: commit an edit, then run the app's tests against it (build included).
    const editToTests: number[] = [];
    for (let i = 1, head = EDITS + 1; i <= TEST_RUNS; i++) {
      const change = edit(EDITS + FULL_REBUILDS + i);
      const started = performance.now();
      head = (
        await api<{ version: number }>(`/api/projects/${id}/commits`, {
          base: head,
          changes: [{ op: "put", path: change.path, content: change.content }],
        })
      ).version;
      const run = await api<{ ok: boolean; passed: number; cached: boolean }>(`/api/projects/${id}/test`, {});
      editToTests.push(performance.now() - started);
      expect(run).toMatchObject({ ok: true, passed: 1, cached: false });
    }

    // Baseline: every edit rebuilt from scratch, as a builder without caches does: a new
    // project whose dependency set is new to the shared cache (a range no project used
    // yet, resolving to the same versions), so it installs, pre-bundles and bundles all.
    const fullRebuild: number[] = [];
    for (let i = 1; i <= FULL_REBUILDS; i++) {
      const change = edit(EDITS + i);
      const started = performance.now();
      const fresh = await api<{ id: string }>("/api/projects", {
        files: { ...REFERENCE_APP, "package.json": uncachedDependencies(i), [change.path]: change.content },
      });
      await waitFor(fresh.id, change.check.path, change.check.contains);
      fullRebuild.push(performance.now() - started);
    }

    // A new project from the starter (no files given) until its preview answers, with
    // the starter's dependency set already in the shared cache (the first one warms it).
    const newProject: number[] = [];
    for (let i = 0; i <= NEW_PROJECTS; i++) {
      const started = performance.now();
      const project = await api<{ id: string }>("/api/projects", {});
      await waitFor(project.id, "/", '<div id="root">');
      await waitFor(project.id, "/api/hello", "Hello from the server");
      if (i > 0) newProject.push(performance.now() - started);
    }

    // The agent loop: replay turns on the starter (the replay model answers at once, in-process).
    // Per step: the turn's wall time less its time in model calls and tool calls, over its steps.
    type Turn = {
      startedAt: string;
      finishedAt: string;
      status: string;
      usage: { inputTokens: number; outputTokens: number };
      timings: { steps: number; modelMs: number; toolMs: number };
    };
    const loopPerStep: number[] = [];
    let replayTokens = { input: 0, output: 0 };
    for (let i = 0; i < AGENT_TURNS; i++) {
      const project = await api<{ id: string }>("/api/projects", {});
      const { turnId, eventsUrl } = await api<{ turnId: string; eventsUrl: string }>(`/api/projects/${project.id}/chat`, {
        message: "Make a todo list",
      });
      await (await fetch(`${server.base}${eventsUrl}`)).text();
      const turn = await api<Turn>(`/api/projects/${project.id}/turns/${turnId}`);
      expect(turn.status).toBe("completed");
      const wall = Date.parse(turn.finishedAt) - Date.parse(turn.startedAt);
      loopPerStep.push((wall - turn.timings.modelMs - turn.timings.toolMs) / turn.timings.steps);
      replayTokens = { input: turn.usage.inputTokens, output: turn.usage.outputTokens };
    }

    // A runaway (a handler that loops) with the default stall limit: from its request to its
    // 503, and to the first answer of another project's preview asked then; meanwhile that
    // preview is asked every 50 ms, and its slowest answer is the bystander's worst wait.
    const runaway = await api<{ id: string }>("/api/projects", {
      files: { "src/server.ts": 'export default { fetch() { return new Response("ok"); } };' },
    });
    const bystander = await api<{ id: string }>("/api/projects", {
      files: { "src/server.ts": 'export default { fetch() { return new Response("bystander"); } };' },
    });
    await waitFor(bystander.id, "/", "bystander");
    const runawayToError: number[] = [];
    const runawayToRecovery: number[] = [];
    const bystanderWorst: number[] = [];
    for (let i = 1; i <= RUNAWAYS; i++) {
      // A new version each time (a version known to run away is answered its error without running).
      await api(`/api/projects/${runaway.id}/commits`, {
        base: i,
        changes: [{ op: "put", path: "src/server.ts", content: `export default { fetch() { while (true) {} } }; // ${i}` }],
      });
      let asking = true;
      let worst = 0;
      const asker = (async () => {
        while (asking) {
          const started = performance.now();
          const { status } = await get(server.port, `${bystander.id}.preview.localhost:${server.port}`, "/");
          expect(status).toBe(200);
          worst = Math.max(worst, performance.now() - started);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      const { status, body } = await get(server.port, `${runaway.id}.preview.localhost:${server.port}`, "/");
      expect(status).toBe(503);
      expect(body).toContain("exceeded its CPU limit");
      runawayToError.push(performance.now() - started);
      expect((await get(server.port, `${bystander.id}.preview.localhost:${server.port}`, "/")).status).toBe(200);
      runawayToRecovery.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 300));
      asking = false;
      await asker;
      bystanderWorst.push(worst);
    }

    // Cold preview: after a restart, the first request to each built version.
    await server.stop();
    server = await startServer(state, { port: server.port, env });
    const coldPreview: number[] = [];
    for (let v = EDITS + TEST_RUNS + 1; v >= Math.max(1, EDITS + TEST_RUNS - 6); v--) {
      const started = performance.now();
      const { status } = await get(server.port, `${id}--v${v}.preview.localhost:${server.port}`, "/api/hello");
      expect(status).toBe(200);
      coldPreview.push(performance.now() - started);
    }

    // Memory: the runtime's resident memory before and after loading many distinct versions.
    const small = await api<{ id: string }>("/api/projects", {
      files: {
        "package.json": JSON.stringify({ dependencies: { hono: "^4.13.0" } }),
        "src/server.ts": 'import { Hono } from "hono";\nexport default new Hono().get("/", (c) => c.text("v1"));\n',
      },
    });
    await waitFor(small.id, "/", "v1");
    for (let v = 2; v <= MEMORY_VERSIONS + 1; v++) {
      await api(`/api/projects/${small.id}/commits`, {
        base: v - 1,
        changes: [
          {
            op: "put",
            path: "src/server.ts",
            content: `import { Hono } from "hono";\nexport default new Hono().get("/", (c) => c.text("v${v}"));\n`,
          },
        ],
      });
      await api(`/api/projects/${small.id}/builds`, { version: v });
    }
    const before = runtimeRssKb(server.pid);
    for (let v = 2; v <= MEMORY_VERSIONS + 1; v++) await waitFor(`${small.id}--v${v}`, "/", `v${v}`);
    const after = runtimeRssKb(server.pid);

    const results = {
      editToPreview: summary(editToPreview),
      serverEditToPreview: summary(serverEdits),
      clientEditToPreview: summary(clientEdits),
      svelteEditToPreview: summary(svelteEdits),
      svelteToReactRatio: Math.round((percentile(svelteEdits, 50) / percentile(clientEdits, 50)) * 100) / 100,
      editToTests: summary(editToTests),
      fullRebuild: summary(fullRebuild),
      fullRebuildRatio: Math.round(percentile(fullRebuild, 50) / percentile(editToPreview, 50)),
      newProjectToPreview: summary(newProject),
      coldPreview: summary(coldPreview),
      memoryPerPreviewKb: Math.round((after - before) / MEMORY_VERSIONS),
      agentLoopPerStep: summary(loopPerStep),
      runawayToError: summary(runawayToError),
      runawayToRecovery: summary(runawayToRecovery),
      bystanderWorstWait: summary(bystanderWorst),
      replayTurnTokens: replayTokens,
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model ?? "unknown",
        memoryGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
    };
    writeFileSync("bench-results.json", `${JSON.stringify(results, null, 2)}\n`);
    console.log(
      [
        "",
        `| measure | p50 | p95 | n |`,
        `| --- | --- | --- | --- |`,
        row("edit → preview", results.editToPreview),
        row("  server edits", results.serverEditToPreview),
        row("  client edits", results.clientEditToPreview),
        row("Svelte component edit → preview", results.svelteEditToPreview),
        `| Svelte ÷ React component edit (p50) | ${results.svelteToReactRatio}× | | |`,
        row("edit → test verdict", results.editToTests),
        row("full rebuild per edit (baseline)", results.fullRebuild),
        `| full rebuild ÷ edit → preview (p50) | ${results.fullRebuildRatio}× | | |`,
        row("new project (starter) → first preview", results.newProjectToPreview),
        row("cold preview after restart", results.coldPreview),
        `| memory per loaded preview | ${results.memoryPerPreviewKb} KiB | | ${MEMORY_VERSIONS} |`,
        row("agent loop per step (outside model and tools)", results.agentLoopPerStep),
        row("runaway → its 503 (SANDBOX_STALL_MS 1000)", results.runawayToError),
        row("runaway → another preview answers again", results.runawayToRecovery),
        row("another preview's worst wait during a runaway", results.bystanderWorstWait),
        `| replay turn tokens (estimated by the replay) | ${replayTokens.input} in / ${replayTokens.output} out | | |`,
        `machine: ${results.machine.cpus} × ${results.machine.cpu}, ${results.machine.memoryGb} GiB, Node ${results.machine.node}`,
      ].join("\n"),
    );
  } finally {
    await server.stop();
    await registry.close();
    rmSync(state, { recursive: true, force: true });
  }
});

/** A GET with a preview Host header, sent to loopback (Node does not resolve *.localhost itself). */
function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers: { Host: host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Resident memory of the workerd processes started for this server. */
function runtimeRssKb(serverPid: number): number {
  const table = execFileSync("ps", ["-eo", "pid=,pgid=,rss=,comm="], { encoding: "utf8" });
  return table
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, pgid, , comm]) => Number(pgid) === serverPid && comm?.includes("workerd"))
    .reduce((sum, [, , rss]) => sum + Number(rss), 0);
}

/** A package.json with the reference app's dependencies under ranges no other project used. */
function uncachedDependencies(i: number): string {
  const pkg = JSON.parse(REFERENCE_APP["package.json"]!) as { dependencies: Record<string, string> };
  for (const [name, range] of Object.entries(pkg.dependencies)) pkg.dependencies[name] = `${range} || 0.0.${i}-uncached`;
  return JSON.stringify(pkg, null, 2);
}

type Summary = { p50Ms: number; p95Ms: number; n: number };

function summary(values: number[]): Summary {
  return { p50Ms: round(percentile(values, 50)), p95Ms: round(percentile(values, 95)), n: values.length };
}

function row(label: string, measure: Summary): string {
  return `| ${label} | ${measure.p50Ms} ms | ${measure.p95Ms} ms | ${measure.n} |`;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
