import { abortAllDurableObjects, createExecutionContext, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { DEFAULT_LIMITS } from "../src/server-config";
import { ProjectTurns } from "../src/project/project-turns";
import { TurnLog } from "../src/project/turn-log";
import { SqlStore } from "../src/store";
import { api, commit, createProject, expectError } from "./helpers";

// The agent loop against the fake Messages API (test/fake-anthropic.ts, scenarios in
// test/agent-scenarios.ts): each turn's request names its scenario.

type Event = { id: number; event: string; data: Record<string, unknown> };

async function chat(id: string, scenario: string, budgets?: Record<string, number>): Promise<string> {
  const res = await api(`/api/projects/${id}/chat`, {
    method: "POST",
    json: { message: `Please do it. [scenario: ${scenario}]`, ...(budgets ? { budgets } : {}) },
  });
  expect(res.status, await res.clone().text()).toBe(202);
  const body = await res.json<{ turnId: string; eventsUrl: string }>();
  expect(body.eventsUrl).toBe(`/api/projects/${id}/turns/${body.turnId}/events`);
  return body.turnId;
}

/** Reads the turn's event stream to its end (it closes after turn.finished). */
async function events(id: string, turnId: string, lastEventId?: number): Promise<Event[]> {
  const res = await api(
    `/api/projects/${id}/turns/${turnId}/events`,
    lastEventId ? { headers: { "Last-Event-ID": String(lastEventId) } } : {},
  );
  expect(res.headers.get("Content-Type")).toContain("text/event-stream");
  return parse(await res.text());
}

function parse(stream: string): Event[] {
  return stream
    .split("\n\n")
    .filter((chunk) => chunk.includes("event:"))
    .map((chunk) => {
      const field = (name: string) =>
        chunk
          .split("\n")
          .find((line) => line.startsWith(`${name}:`))!
          .slice(name.length + 1)
          .trim();
      return { id: Number(field("id")), event: field("event"), data: JSON.parse(field("data")) as Record<string, unknown> };
    });
}

const finished = (list: Event[]) =>
  list.at(-1)!.data as { status: string; version?: number; usage: Record<string, number>; error?: string };
const toolResults = (list: Event[]) =>
  list.filter((e) => e.event === "tool.finished").map((e) => e.data as { name: string; ok: boolean; summary: string });
const file = async (id: string, path: string, version: number | "draft" = "draft") => {
  const res = await api(`/api/projects/${id}/files/${path}?version=${version}`);
  return res.status === 200 ? res.text() : null;
};
/** The tool results the fake model received in a scenario's request for `step` (default: its last request). */
const lastResults = async (scenario: string, step?: number) =>
  (await fetch(`https://anthropic.fake/-/fake/results?scenario=${scenario}${step === undefined ? "" : `&step=${step}`}`)).json<
    { content: string; is_error?: boolean }[]
  >();
/** Reads a turn's event stream until `event` arrives, then lets go of it. */
async function until(id: string, turnId: string, event: string): Promise<void> {
  const res = await api(`/api/projects/${id}/turns/${turnId}/events`);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes(`event: ${event}\n`)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream ended without ${event}:\n${seen}`);
    seen += value;
  }
  await reader.cancel();
}
const SERVER = 'export default { fetch: () => new Response("hello") };\n';

describe("agent turns", () => {
  it("hits a build error, reads it, fixes it, and ends with one version", async () => {
    const { id } = await createProject({ "src/index.ts": SERVER });
    const turnId = await chat(id, "fix-build");
    const list = await events(id, turnId);
    expect(list[0]).toMatchObject({ id: 1, event: "turn.started" });
    expect(list.map((e) => e.id)).toEqual(list.map((_, i) => i + 1));
    const builds = list
      .filter((e) => e.event === "build.finished")
      .map((e) => e.data as { ok: boolean; errors: { file?: string; line?: number }[] });
    expect(builds.map((b) => b.ok)).toEqual([false, true]);
    expect(builds[0]!.errors[0]).toMatchObject({ file: "src/index.ts", line: 1 });
    expect(list.some((e) => e.event === "test.finished")).toBe(true);
    expect(list.find((e) => e.event === "preview.ready")?.data.url).toBe(`http://${id}--draft.preview.localhost:8787/`);
    expect(
      list
        .filter((e) => e.event === "model.text")
        .map((e) => e.data.delta)
        .join(""),
    ).toContain("Fixed the syntax error");
    expect(list.some((e) => e.event === "files.changed" && (e.data.paths as string[]).includes("src/index.ts"))).toBe(true);
    const end = finished(list);
    expect(end).toMatchObject({ status: "completed", version: 2, usage: { modelCalls: 5 } });
    expect(end.usage.inputTokens).toBeGreaterThan(0);
    expect(list.at(-2)).toMatchObject({ event: "version.created", data: { version: 2 } });

    const version = await (await api(`/api/projects/${id}/versions/2`)).json<{ author: string; message: string }>();
    expect(version).toMatchObject({ author: "agent", message: "Please do it. [scenario: fix-build]" });
    expect(await file(id, "src/index.ts", 2)).toBe('export default { fetch: () => new Response("hi") };\n');
    expect(await (await api(`/api/projects/${id}/diff?from=1&to=2`)).text()).toContain(
      '+export default { fetch: () => new Response("hi") };',
    );
    expect(await (await api(`/api/projects/${id}/turns/${turnId}`)).json()).toMatchObject({ id: turnId, status: "completed", version: 2 });
    expect(await (await api(`/api/projects/${id}`)).json()).toMatchObject({ head: 2, turn: { id: turnId, status: "completed" } });
    // The project list learns the agent's version too.
    await expect
      .poll(
        async () =>
          (await (await api("/api/projects?limit=100")).json<{ projects: { id: string; head: number }[] }>()).projects.find(
            (p) => p.id === id,
          )?.head,
      )
      .toBe(2);

    // Replay after Last-Event-ID, and the conversation.
    expect((await events(id, turnId, list.length - 2)).map((e) => e.event)).toEqual(["version.created", "turn.finished"]);
    const conversation = await (await api(`/api/projects/${id}/messages`)).json<{
      messages: { role: string; text?: string; name?: string; ok?: boolean }[];
    }>();
    expect(conversation.messages[0]).toMatchObject({ role: "user", text: "Please do it. [scenario: fix-build]" });
    expect(conversation.messages.filter((m) => m.role === "tool").map((m) => [m.name, m.ok])).toEqual([
      ["str_replace_based_edit_tool", true],
      ["build_and_test", true],
      ["str_replace_based_edit_tool", true],
      ["build_and_test", true],
    ]);
  });

  it("answers parallel tool calls in order in one message", async () => {
    const { id } = await createProject({ "a.txt": "aye\n" });
    const list = await events(id, await chat(id, "parallel"));
    expect(toolResults(list).map((r) => [r.ok, r.summary])).toEqual([
      [true, "view a.txt"],
      [true, "create b.txt"],
      [false, "view missing.txt (failed)"],
    ]);
    expect(finished(list)).toMatchObject({ status: "completed", version: 2 });
    expect(await file(id, "b.txt", 2)).toBe("bee\n");
  });

  it("refuses str_replace with zero or two matches, naming the count and the closest lines", async () => {
    const { id } = await createProject({ "a.txt": "line one\nline two\nsame\nsame\n" });
    const turnId = await chat(id, "str-replace-counts");
    const list = await events(id, turnId);
    expect(toolResults(list).map((r) => r.ok)).toEqual([false, false]);
    const [zero, two] = await lastResults("str-replace-counts");
    expect(zero).toMatchObject({ is_error: true });
    expect(zero!.content).toContain("old_str occurs 0 times in a.txt");
    expect(zero!.content).toContain("The closest lines are:\n     2\tline two");
    expect(two!.content).toContain("old_str occurs 2 times in a.txt (lines 3, 4)");
    expect(finished(list)).toMatchObject({ status: "completed" });
    expect(finished(list).version).toBeUndefined();
  });

  it("recovers from 529, 429 with retry-after and a cut stream without running a tool twice", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const list = await events(id, await chat(id, "flaky"));
    const retries = list
      .filter((e) => e.event === "model.retry")
      .map((e) => e.data as { attempt: number; reason: string; delayMs: number });
    expect(retries[0]).toMatchObject({ attempt: 1, reason: "HTTP 529" });
    expect(retries[1]).toMatchObject({ attempt: 2, reason: "HTTP 429", delayMs: 1000 });
    expect(retries[2]!.reason).toContain("the stream was cut");
    expect(toolResults(list).map((r) => r.summary)).toEqual(["create flaky.txt", "create second.txt"]);
    expect(list.filter((e) => e.event === "tool.started")).toHaveLength(2);
    expect(finished(list)).toMatchObject({ status: "completed", version: 2 });
    expect(await file(id, "second.txt", 2)).toBe("two\n");
  });

  it("cancels at the next safe point and still commits what was done", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const turnId = await chat(id, "cancel");
    const stream = events(id, turnId);
    // The second model call takes 1.5 s; the first tool has run by then.
    await expect.poll(() => file(id, "first.txt"), { interval: 20 }).toBe("kept\n");
    expect((await api(`/api/projects/${id}/turns/${turnId}/cancel`, { method: "POST" })).status).toBe(202);
    const list = await stream;
    expect(finished(list)).toMatchObject({ status: "cancelled", version: 2 });
    expect(await file(id, "first.txt", 2)).toBe("kept\n");
    expect(await file(id, "never.txt", 2)).toBeNull();
  });

  it("ends at each budget: model calls, output tokens and wall time", async () => {
    for (const [budgets, reason] of [
      [{ maxModelCalls: 2 }, "2 model calls"],
      [{ maxOutputTokens: 700 }, "700 output tokens"],
      [{ maxSeconds: 1 }, "1 s"],
    ] as const) {
      const { id } = await createProject({ "a.txt": "a\n" });
      const end = finished(await events(id, await chat(id, "forever", budgets)));
      expect(end.status, reason).toBe("budget_exceeded");
      expect(end.error).toContain(reason);
      if ("maxModelCalls" in budgets) expect(end.usage.modelCalls).toBe(2);
    }
  });

  it("ends as stuck after the same build error three times in a row", async () => {
    const { id } = await createProject({ "src/index.ts": SERVER });
    const list = await events(id, await chat(id, "stuck"));
    expect(list.filter((e) => e.event === "build.finished")).toHaveLength(3);
    expect(finished(list)).toMatchObject({ status: "stuck", version: 2 });
  });

  it("runs execute atomically: code that throws or breaks the rules leaves the draft as it was", async () => {
    const { id } = await createProject({
      "a.txt": "a\n",
      "src/index.ts": 'export default { fetch: (r) => new Response("hi from " + new URL(r.url).pathname) };\n',
    });
    const list = await events(id, await chat(id, "execute"));
    const results = toolResults(list);
    expect(results.map((r) => r.ok)).toEqual([false, true, false, false]);
    expect(results[0]!.summary).toContain("boom");
    expect(results[2]!.summary).toContain("node_modules");
    expect(results[3]!.summary).toContain("symbolic link");
    const thrown = JSON.parse((await lastResults("execute", 1))[0]!.content) as { error: string };
    expect(thrown.error).toContain("boom");
    expect(thrown.error).toContain("The draft was left as it was before this call.");
    const ran = JSON.parse((await lastResults("execute", 2))[0]!.content) as { result: unknown; logs: string[] };
    expect(ran).toEqual({ result: { status: 200, body: "hi from /hello" }, logs: ["wrote"] });
    expect(finished(list)).toMatchObject({ status: "completed", version: 2 });
    expect(await file(id, "a.txt", 2)).toBe("a\n");
    expect(await file(id, "thrown.txt", 2)).toBeNull();
    expect(await file(id, "kept.txt", 2)).toBe("yes");
    const files = await (await api(`/api/projects/${id}/files?version=2`)).json<{ files: { path: string }[] }>();
    expect(files.files.map((f) => f.path)).toEqual(["a.txt", "kept.txt", "src/index.ts"]);
  });

  it("returns edits a commit would refuse as tool errors, and goes on", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const list = await events(id, await chat(id, "refused-edit"));
    expect(toolResults(list).map((r) => [r.ok, r.summary])).toEqual([
      [false, "create big.txt (refused)"],
      [false, "create a.txt/inside.txt (refused)"],
      [true, "create fine.txt"],
    ]);
    const [big] = await lastResults("refused-edit", 1);
    expect(big!.content).toContain("the limit is 65536 bytes per file");
    expect(finished(list)).toMatchObject({ status: "completed", version: 2 });
    const files = await (await api(`/api/projects/${id}/files?version=2`)).json<{ files: { path: string }[] }>();
    expect(files.files.map((f) => f.path)).toEqual(["a.txt", "fine.txt"]);
  });

  it("answers a call cut short by a restart as stopped, never runs it again, and goes on", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const turnId = await chat(id, "slow-execute");
    await expect.poll(() => file(id, "partial.txt"), { interval: 10 }).toBe("1");
    await abortAllDurableObjects();
    const list = await events(id, turnId);
    expect(list.map((e) => e.event)).toContain("turn.resumed");
    expect(list.filter((e) => e.event === "tool.started")).toHaveLength(1);
    expect(toolResults(list)).toEqual([expect.objectContaining({ ok: false, summary: "stopped: the server restarted while it ran" })]);
    const [stopped] = await lastResults("slow-execute");
    expect(stopped).toMatchObject({ is_error: true });
    expect(stopped!.content).toContain("not run again");
    expect(stopped!.content).toContain("Its changes to the draft were undone.");
    // Not run again: its second write never happened, and its first was undone.
    expect(finished(list)).toMatchObject({ status: "completed" });
    expect(await file(id, "partial.txt")).toBeNull();
    expect(await file(id, "partial2.txt")).toBeNull();
    expect(await (await api(`/api/projects/${id}`)).json()).toMatchObject({ head: 1 });
  });

  it("answers a build_and_test that was under way when the server stopped as stopped, and builds as ever after", async () => {
    // The state a restart leaves (abortAllDurableObjects in the middle of a build cannot be
    // torn down by the test pool): the turn is in its tools step, its build_and_test marked under way.
    const { id } = await createProject({ "src/index.ts": SERVER });
    const message = "Please do it. [scenario: slow-build]";
    const stub = env.PROJECTS.get(env.PROJECTS.idFromName(id));
    const turnId = await runInDurableObject(stub, async (instance, state) => {
      const turn = (await instance.startTurn(message, { previewUrl: `http://${id}--draft.preview.localhost:8787/` })) as {
        value: { id: string };
      };
      const log = new TurnLog(state.storage.sql);
      const use = { type: "tool_use" as const, id: "toolu_fake_cut_build", name: "build_and_test", input: {} };
      log.addMessage({ turnId: turn.value.id, role: "user", content: [{ type: "text", text: message }] });
      log.addMessage({ turnId: turn.value.id, role: "assistant", content: [use] });
      log.setPhase(turn.value.id, "tools");
      log.setPending(turn.value.id, use.id, "");
      return turn.value.id;
    });
    const list = await events(id, turnId);
    expect(toolResults(list)).toEqual([expect.objectContaining({ ok: false, summary: "stopped: the server restarted while it ran" })]);
    expect(list.some((e) => e.event === "build.finished")).toBe(false);
    const [stopped] = await lastResults("slow-build");
    expect(stopped!.content).toContain("not run again");
    expect(stopped!.content).not.toContain("undone");
    expect(finished(list)).toMatchObject({ status: "completed" });
    expect(await (await api(`/api/projects/${id}/builds`, { method: "POST", json: { version: "draft" } })).json()).toMatchObject({
      ok: true,
    });
  });

  it("stops an execute that turns off its own timer when the turn is cancelled, or runs out of time", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const cancelled = await chat(id, "execute-forever");
    await until(id, cancelled, "tool.started");
    await api(`/api/projects/${id}/turns/${cancelled}/cancel`, { method: "POST" });
    const list = await events(id, cancelled);
    expect(finished(list)).toMatchObject({ status: "cancelled" });
    expect(toolResults(list)[0]).toMatchObject({ ok: false });
    expect(toolResults(list)[0]!.summary).toContain("The user cancelled the turn while this call ran");

    // The fake model's steps follow the conversation, so a turn of its own needs a project of its own.
    const other = (await createProject({ "a.txt": "a\n" })).id;
    const late = await events(other, await chat(other, "execute-forever", { maxSeconds: 2 }));
    expect(toolResults(late)[0]!.summary).toContain("The turn ran past its 2 s while this call ran");
    expect(finished(late)).toMatchObject({ status: "budget_exceeded" });
  });

  it("bounds the host's work for execute's code: linear-time patterns, no decompression bomb, writes within the limits", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const list = await events(id, await chat(id, "state-bounds"));
    const [result] = await lastResults("state-bounds");
    const out = (JSON.parse(result!.content) as { result: Record<string, unknown> }).result;
    expect(out).toMatchObject({
      globStars: [],
      globBraces: ["/b.txt"],
      globBraceGlobs: ["/src/app.ts", "/src/deep/x.ts"],
      globClass: ["/a.txt", "/b.txt"],
      findName: [],
      // The long line fails to match at once; a.txt's "a" matches.
      searchBomb: [{ path: "/a.txt", matches: [{ line: 1, column: 1, match: "a", lineText: "a" }] }],
      searchWords: [["/src/app.ts", ["1:1:const a", "2:1:const b"]]],
      replace: 2,
      replaced: "let v = 1;\nlet v = 2;\n",
      bombWritten: false,
    });
    expect(out.searchLookahead).toMatch(/^error: Invalid search pattern: .*no lookahead/);
    expect(out.searchEmpty).toBe("error: Search query must not be empty");
    expect(out.searchFlood).toBe("error: More than 10000 matches; narrow the query or set maxMatches.");
    expect(out.searchSome).toBe(3);
    expect(out.decompress).toBe("error: EFBIG: /bomb.gz decompresses to more than 65536 bytes; the limit is 65536 bytes per file.");
    expect(out.bigWrite).toBe("error: EFBIG: /big.txt would be 70000 bytes; the limit is 65536 bytes per file.");
    expect(finished(list)).toMatchObject({ status: "completed", version: 2 });
  });

  it("reads a bounded part of an endless preview.fetch answer", async () => {
    const { id } = await createProject({
      "src/index.ts":
        "export default { fetch: () => new Response(new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(65536)); } })) };\n",
    });
    const list = await events(id, await chat(id, "preview-flood"));
    const [result] = await lastResults("preview-flood");
    expect(JSON.parse(result!.content)).toMatchObject({
      result: "error: The answer to /flood is over 4194304 bytes, the most the host reads.",
    });
    expect(finished(list)).toMatchObject({ status: "completed" });
  });

  it("undoes an execute cut short when its turn ends before it runs again", async () => {
    const stub = env.PROJECTS.get(env.PROJECTS.newUniqueId());
    await runInDurableObject(stub, async (_instance, state) => {
      const store = await SqlStore.open(state.storage, DEFAULT_LIMITS);
      await store.commit({ base: 0, author: "user", changes: [{ op: "put", path: "a.txt", content: new TextEncoder().encode("a") }] });
      const turns = new ProjectTurns(new TurnLog(state.storage.sql), store);
      const turn = await turns.start("cancelled mid-execute");
      await turns.applyToolCall(turn.id, "toolu_kept", [{ op: "put", path: "kept.txt", content: new TextEncoder().encode("k") }], {
        content: "ok",
      });
      turns.log.setPending(turn.id, "toolu_cut", await store.snapshotDraft());
      await store.workspace.writeFile("/half.txt", "half-done");
      const finished = await turns.finish(turn.id, { status: "cancelled" });
      expect(finished).toMatchObject({ status: "cancelled", version: 2 });
      expect([...(await store.manifest(2)).keys()].sort()).toEqual(["a.txt", "kept.txt"]);
      expect(turns.log.pendingOf(turn.id)).toEqual([]);
    });
  });

  it("keeps execute away from the network and the host's env", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    await events(id, await chat(id, "execute-sandbox"));
    const [result] = await lastResults("execute-sandbox");
    const { result: seen } = JSON.parse(result!.content) as { result: { network: string; env: string; token: string; process: string } };
    expect(seen.network).toMatch(/^blocked: /);
    expect(seen.env).toBe("undefined");
    expect(seen.token).toBe("undefined");
    expect(seen.process).not.toContain("ANTHROPIC_API_KEY");
  });

  it("allows one turn at a time and refuses user commits during it (409 turn_in_progress)", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const turnId = await chat(id, "cancel");
    await expectError(await api(`/api/projects/${id}/chat`, { method: "POST", json: { message: "again" } }), 409, "turn_in_progress");
    await expectError(await commit(id, 1, [{ op: "put", path: "b.txt", content: "b" }]), 409, "turn_in_progress");
    await api(`/api/projects/${id}/turns/${turnId}/cancel`, { method: "POST" });
    await events(id, turnId);
    expect((await commit(id, 2, [{ op: "put", path: "b.txt", content: "b" }])).status).toBe(201);
  });

  it("refuses bad chat input, unknown turns and a missing model", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    await expectError(await api(`/api/projects/${id}/chat`, { method: "POST", json: { message: "  " } }), 400, "invalid_request");
    await expectError(
      await api(`/api/projects/${id}/chat`, { method: "POST", json: { message: "x".repeat(32_001) } }),
      400,
      "invalid_request",
    );
    await expectError(await api(`/api/projects/${id}/turns/tffffffffffffff0`), 404, "not_found");
    await expectError(await api(`/api/projects/${id}/turns/nope/events`), 404, "not_found");
    const noModel = { ...env, ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined, MODEL: undefined };
    const res = await worker.fetch!(
      new Request(`http://localhost:8787/api/projects/${id}/chat`, { method: "POST", body: '{"message": "hi"}' }) as Request<
        unknown,
        IncomingRequestCfProperties
      >,
      noModel,
      createExecutionContext(),
    );
    const error = await expectError(res, 503, "model_not_configured");
    expect(error.message).toContain("ANTHROPIC_API_KEY");
    expect(error.message).toContain("MODEL=replay");
  });

  it("sent only requests that keep the Messages API's rules, each with the API's context editing", async () => {
    const { id } = await createProject({ "a.txt": "aye\n" });
    await events(id, await chat(id, "parallel"));
    expect(await (await fetch("https://anthropic.fake/-/fake/violations")).json()).toEqual([]);
    const editing = await (await fetch("https://anthropic.fake/-/fake/context-editing")).json<{ with: number; without: number }>();
    expect(editing.with).toBeGreaterThan(0);
    expect(editing.without).toBe(0);
  });
});
