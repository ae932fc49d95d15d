// The runaways of `execute` (a turn's code, run in the sandbox process) and the work the
// host does for it: each ends as an error the model reads, or is bounded, while the API and
// another project's preview keep answering, and the turn completes. And a server stopped in
// the middle of a runaway call comes back without running it again.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineScenario, fakeAnthropic } from "../fake-anthropic";
import { BYSTANDER, createProject, expectBystanderServed, preview, serve, STALL_MS, watch } from "./bystander";
import { startServer, type DevServer } from "./server";

let model: { url: string; close(): Promise<void> };
beforeAll(async () => {
  model = await serve(fakeAnthropic);
});
afterAll(async () => {
  await model?.close();
});

const modelEnv = () => ({
  ANTHROPIC_API_KEY: "test-key",
  ANTHROPIC_BASE_URL: model.url,
  ANTHROPIC_CONTEXT_MANAGEMENT: "off",
});

let toolIds = 0;
function execute(code: string) {
  return {
    content: [{ type: "tool_use" as const, id: `toolu_runaway${String(++toolIds).padStart(4, "0")}`, name: "execute", input: { code } }],
  };
}

/** The tool result the model was sent for its call at `step` of a scenario. */
async function resultOf(scenario: string, step: number): Promise<{ content: unknown; is_error?: boolean }> {
  const results = (await (await fetch(`${model.url}/-/fake/results?scenario=${scenario}&step=${step}`)).json()) as {
    content: unknown;
    is_error?: boolean;
  }[];
  expect(results).toHaveLength(1);
  return results[0]!;
}

/** A tool result's text (a string, or text blocks). */
function text(content: unknown): string {
  return typeof content === "string" ? content : (content as { text?: string }[]).map((block) => block.text ?? "").join("");
}

async function startTurn(server: DevServer, id: string, scenario: string): Promise<string> {
  const chat = await fetch(`${server.base}/api/projects/${id}/chat`, {
    method: "POST",
    body: JSON.stringify({ message: `[scenario: ${scenario}] go` }),
  });
  expect(chat.status).toBe(202);
  return ((await chat.json()) as { turnId: string }).turnId;
}

async function finished(server: DevServer, id: string, turnId: string): Promise<string> {
  const status = async () =>
    ((await (await fetch(`${server.base}/api/projects/${id}/turns/${turnId}`)).json()) as { status: string }).status;
  await expect.poll(status, { interval: 500 }).not.toBe("running");
  return status();
}

describe("a turn whose code runs away ends each call as an error the model reads, and completes", () => {
  let server: DevServer;
  const state = mkdtempSync(join(tmpdir(), "forge-runaway-turn-"));
  // 64 MB of zeros, 64 KB compressed: the host stops at the per-file limit (1 MB) instead.
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)).toString("base64");
  beforeAll(async () => {
    defineScenario("runaway-execute", [
      execute("async () => { while (true) {} }"),
      // Replaces its own timers and never settles: the host's deadline ends it, not the sandbox's.
      // (an interval keeps it alive, so the runtime cannot see it hang and end it first).
      execute(
        "async () => { const tick = setInterval; globalThis.setTimeout = () => 0; globalThis.setInterval = () => 0; await new Promise(() => tick(() => {}, 100)); }",
      ),
      // Patterns that backtrack for ever in a regular-expression engine that backtracks.
      execute(`async () => {
        await state.writeFile("/${"a".repeat(60)}", "x");
        await state.writeFile("/text.txt", "${"a".repeat(40)}!");
        const names = await state.glob("/${"*a".repeat(30)}b");
        const hits = await state.searchFiles("/text.txt", "^(a+)+$", { regex: true });
        return JSON.stringify({ names, hits });
      }`),
      execute(`async () => {
        const bytes = Uint8Array.from(atob("${bomb}"), (c) => c.charCodeAt(0));
        await state.writeFileBytes("/bomb.gz", bytes);
        return await state.decompressFile("/bomb.gz", "/bomb");
      }`),
      execute('async () => "still here"'),
      { content: [{ type: "text", text: "Done." }] },
    ]);
    server = await startServer(state, { env: { ...modelEnv(), SANDBOX_STALL_MS: String(STALL_MS), EXECUTE_TIMEOUT_MS: "3000" } });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  it("a loop, a call that disables its own timer, a pattern bomb and a decompression bomb", async () => {
    const bystander = await createProject(server, BYSTANDER);
    expect(await preview(server, bystander, "/")).toMatchObject({ status: 200, body: "bystander 1" });
    const { id } = (await (
      await fetch(`${server.base}/api/projects`, { method: "POST", body: JSON.stringify({ files: { "a.txt": "a\n" } }) })
    ).json()) as {
      id: string;
    };
    const watcher = watch(server, bystander);
    const turnId = await startTurn(server, id, "runaway-execute");
    const status = await finished(server, id, turnId);
    const seen = await watcher.stop();
    expect(status).toBe("completed");
    expectBystanderServed(seen);

    const loop = await resultOf("runaway-execute", 1);
    expect(loop.is_error).toBe(true);
    expect(JSON.stringify(loop.content)).toContain("exceeded its CPU limit");
    const timer = await resultOf("runaway-execute", 2);
    expect(timer.is_error).toBe(true);
    expect(text(timer.content)).toContain("ran past its 3 s time limit (EXECUTE_TIMEOUT_MS)");
    const patterns = await resultOf("runaway-execute", 3);
    expect(patterns.is_error).toBeFalsy();
    expect(JSON.parse((JSON.parse(text(patterns.content)) as { result: string }).result)).toEqual({ names: [], hits: [] });
    const decompressed = await resultOf("runaway-execute", 4);
    expect(decompressed.is_error).toBe(true);
    expect(JSON.stringify(decompressed.content)).toContain("EFBIG");
    expect(JSON.stringify((await resultOf("runaway-execute", 5)).content)).toContain("still here");
  });
});

describe("a server stopped in the middle of a runaway call", () => {
  it("comes back answering, and the call is answered as stopped, never run again", async () => {
    defineScenario("runaway-restart", [execute("async () => { while (true) {} }"), { content: [{ type: "text", text: "Done." }] }]);
    const state = mkdtempSync(join(tmpdir(), "forge-runaway-restart-"));
    // A stall limit the loop does not reach before the crash: the call is still running then.
    let server = await startServer(state, { env: { ...modelEnv(), SANDBOX_STALL_MS: "120000", EXECUTE_TIMEOUT_MS: "120000" } });
    try {
      const { id } = (await (await fetch(`${server.base}/api/projects`, { method: "POST", body: "{}" })).json()) as { id: string };
      const turnId = await startTurn(server, id, "runaway-restart");
      const served = async () => (await (await fetch(`${model.url}/-/fake/requests?scenario=runaway-restart`)).json()) as number[];
      await expect.poll(served, { interval: 100 }).toEqual([0]);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      // The loop has had the sandbox for 1.5 s, and the model has not been asked again.
      expect(await served()).toEqual([0]);
      await server.crash();

      server = await startServer(state, { port: server.port, env: { ...modelEnv(), SANDBOX_STALL_MS: String(STALL_MS) } });
      const started = performance.now();
      expect((await fetch(`${server.base}/api/projects/${id}`)).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(10 * STALL_MS);
      expect(await finished(server, id, turnId)).toBe("completed");
      const result = await resultOf("runaway-restart", 1);
      expect(result.is_error).toBe(true);
      expect(JSON.stringify(result.content)).toContain("The call was stopped: the server restarted while it ran, so it is not run again");
      // The app of the project serves too (the sandbox is not stuck in the replayed loop).
      expect((await preview(server, id, "/")).status).toBeLessThan(500);
    } finally {
      await server.stop();
      rmSync(state, { recursive: true, force: true });
    }
  });
});
