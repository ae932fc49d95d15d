import { createExecutionContext, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { TurnLog } from "../src/project/turn-log";

// What a prompt-injected model, or a client holding less than API_TOKEN, can get at through
// a turn (scenarios in test/security-scenarios.ts).

const API_TOKEN = "turn-secret";
const secured = { ...env, API_TOKEN };

/** A request through the Worker entry with API_TOKEN set, as its holder. */
function call(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set("Authorization", `Bearer ${API_TOKEN}`);
  if (json !== undefined) headers.set("Content-Type", "application/json");
  const request = new Request(`http://localhost:8787${path}`, {
    ...rest,
    headers,
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
  return worker.fetch!(request as Request<unknown, IncomingRequestCfProperties>, secured, createExecutionContext());
}

async function createProject(files: Record<string, string>): Promise<{ id: string; previewUrl: string }> {
  const res = await call("/api/projects", { method: "POST", json: { files } });
  expect(res.status).toBe(201);
  return res.json();
}

/** Starts a turn of `scenario` and reads its event stream to its end. */
async function turn(id: string, scenario: string): Promise<{ turnId: string; stream: string }> {
  const res = await call(`/api/projects/${id}/chat`, { method: "POST", json: { message: `Go. [scenario: ${scenario}]` } });
  expect(res.status, await res.clone().text()).toBe(202);
  const { turnId } = await res.json<{ turnId: string }>();
  const stream = await (await call(`/api/projects/${id}/turns/${turnId}/events`)).text();
  expect(stream).toContain("event: turn.finished");
  return { turnId, stream };
}

const results = async (scenario: string, step: number) =>
  (await fetch(`https://anthropic.fake/-/fake/results?scenario=${scenario}&step=${step}`)).json<
    { content: string; is_error?: boolean }[]
  >();

describe("the preview access token", () => {
  it("never reaches the app, the model or the turn's event stream", async () => {
    const { id, previewUrl } = await createProject({ "src/index.ts": "export default { fetch: (r) => new Response(r.url) };\n" });
    const token = new URL(previewUrl).searchParams.get("access")!;
    expect(token).toMatch(/^[\w-]{20,}$/);
    const { stream } = await turn(id, "preview-token");
    const [fetched] = await results("preview-token", 1);
    // What the app saw as its request URL, for "", "?", "#x" and "?access=forged".
    expect(JSON.parse(fetched!.content).result).toEqual([
      `http://${id}--draft.preview.localhost:8787/`,
      `http://${id}--draft.preview.localhost:8787/`,
      `http://${id}--draft.preview.localhost:8787/`,
      `http://${id}--draft.preview.localhost:8787/`,
    ]);
    const ready = stream.split("\n\n").find((chunk) => chunk.includes("event: preview.ready"))!;
    expect(JSON.parse(ready.match(/^data: (.*)$/m)![1]!)).toEqual({ url: `http://${id}--draft.preview.localhost:8787/` });
    expect(stream).not.toContain(token);
    const [built] = await results("preview-token", 2);
    expect(built!.content).not.toContain(token);
    const conversation = await (await call(`/api/projects/${id}/messages`)).text();
    expect(conversation).not.toContain(token);
  });
});

it("is dropped from the URL of a turn started before turns kept it out", async () => {
  const stub = env.PROJECTS.get(env.PROJECTS.newUniqueId());
  await runInDurableObject(stub, async (_instance, state) => {
    const log = new TurnLog(state.storage.sql);
    log.start("t0123456789abcde", "told the old way", 1, { previewUrl: "http://abc--draft.preview.localhost:8787/?access=old-token" });
    expect(log.state("t0123456789abcde").previewUrl).toBe("http://abc--draft.preview.localhost:8787/");
  });
});

describe("tool inputs that do not match their schema", () => {
  it("each get an is_error result naming the field, and the turn goes on", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const { stream } = await turn(id, "bad-inputs");
    expect(stream).toMatch(/event: turn\.finished\ndata: \{"status":"completed"/);
    const answered = await results("bad-inputs", 1);
    expect(answered.map((result) => [result.is_error ?? false, result.content])).toEqual([
      [true, expect.stringMatching(/`path` must be a string.*\(it was an object\)/)],
      [true, "The input of str_replace_based_edit_tool must be an object, not null."],
      [true, expect.stringMatching(/`code` must be a string.*\(it was an object\)/)],
      [true, expect.stringMatching(/`command` must be one of view, create, str_replace or insert/)],
      [true, expect.stringMatching(/`insert_line` must be a whole number.*\(it was a string\)/)],
      [true, "The input of build_and_test must be an object, not an array."],
      [false, "Created ok.txt (2 lines)."],
    ]);
    const turnInfo = stream.match(/"version":(\d+)/);
    expect(turnInfo).not.toBeNull();
    expect(await (await call(`/api/projects/${id}/files/ok.txt?version=${turnInfo![1]}`)).text()).toBe("fine\n");
  });
});

describe("tool calls", () => {
  it("are keyed by their turn: a tool_use id reused in a later turn runs as a new call", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    await turn(id, "same-id-first");
    const { stream } = await turn(id, "same-id-second");
    expect(stream).toContain('"summary":"create second.txt"');
    const version = stream.match(/"version":(\d+)/)![1];
    expect(await (await call(`/api/projects/${id}/files/second.txt?version=${version}`)).text()).toBe("2\n");
    const [result] = await results("same-id-second", 1);
    expect(result!.content).toBe("Created second.txt (2 lines).");
  });

  it("keep their results when a database made before that is opened", async () => {
    const stub = env.PROJECTS.get(env.PROJECTS.newUniqueId());
    await runInDurableObject(stub, async (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE IF EXISTS tool_results; DROP TABLE IF EXISTS pending_tools");
      sql.exec("CREATE TABLE tool_results (tool_use_id TEXT PRIMARY KEY, turn_id TEXT NOT NULL, result TEXT NOT NULL) WITHOUT ROWID");
      sql.exec("CREATE TABLE pending_tools (tool_use_id TEXT PRIMARY KEY, turn_id TEXT NOT NULL, tree TEXT NOT NULL) WITHOUT ROWID");
      sql.exec("INSERT INTO tool_results VALUES ('toolu_old', 't1', '\"kept\"')");
      sql.exec("INSERT INTO pending_tools VALUES ('toolu_cut', 't1', 'tree1')");
      const log = new TurnLog(sql);
      expect(log.toolResult("t1", "toolu_old")).toBe("kept");
      expect(log.toolResult("t2", "toolu_old")).toBeUndefined();
      expect(log.pending("t1", "toolu_cut")).toBe("tree1");
      log.recordToolResult("t2", "toolu_old", "new");
      expect([log.toolResult("t1", "toolu_old"), log.toolResult("t2", "toolu_old")]).toEqual(["kept", "new"]);
    });
  });
});

describe("a turn's event stream", () => {
  it("answers 204 when reopened past its last event, so EventSource stops reconnecting", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const { turnId, stream } = await turn(id, "bad-inputs");
    const last = [...stream.matchAll(/^id: (\d+)$/gm)].at(-1)![1]!;
    const again = await call(`/api/projects/${id}/turns/${turnId}/events`, { headers: { "Last-Event-ID": last } });
    expect(again.status).toBe(204);
    expect(await again.text()).toBe("");
    // From the start it replays as before.
    expect(await (await call(`/api/projects/${id}/turns/${turnId}/events`)).text()).toContain("event: turn.finished");
  });

  it("ends with turn.finished when its project is deleted mid-turn", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const res = await call(`/api/projects/${id}/chat`, { method: "POST", json: { message: "Go. [scenario: slow-model]" } });
    const { turnId } = await res.json<{ turnId: string }>();
    const events = await call(`/api/projects/${id}/turns/${turnId}/events`);
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes("event: turn.started")) seen += (await reader.read()).value ?? "";
    expect((await call(`/api/projects/${id}`, { method: "DELETE" })).status).toBe(204);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) seen += chunk.value;
    const lastEvent = seen.trim().split("\n\n").at(-1)!;
    expect(lastEvent).toContain("event: turn.finished");
    expect(JSON.parse(lastEvent.match(/^data: (.*)$/m)![1]!)).toMatchObject({
      status: "failed",
      error: "The project was deleted while this turn ran; the turn ended with it.",
    });
  });
});

describe("execute", () => {
  it("keeps its result when the code logs more than an answer can hold, and says how many lines it dropped", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const { stream } = await turn(id, "log-flood");
    expect(stream).toMatch(/event: turn\.finished\ndata: \{"status":"completed"/);
    const [result] = await results("log-flood", 1);
    expect(result!.is_error ?? false).toBe(false);
    const answer = JSON.parse(result!.content) as { result: string; logs: string[] };
    expect(answer.result).toBe("done");
    expect(answer.logs).toHaveLength(201);
    expect(answer.logs[0]).toMatch(/^0x{1999}/);
    expect(answer.logs[0]).toContain("log less");
    expect(answer.logs[200]).toBe("[… 200 more log lines not shown]");
  });
});
