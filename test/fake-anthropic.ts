// A fake Anthropic Messages API for the agent loop's tests, served to workerd
// through the Workers Vitest pool's outboundService (Node side). It answers
// POST /v1/messages with streamed messages in the API's own event format,
// error bodies and headers (429 retry-after, 529 overloaded), or a stream cut
// mid-message; and it checks every request against the rules the real API
// enforces, answering 400 invalid_request_error (and recording the
// violation) when one is broken.
//
// What to answer comes from a scenario named in the turn's request
// ("[scenario: name]"): a list of steps, one per assistant message of the
// turn. A step may fail its first attempts (`failFirst`), wait (`delayMs`)
// or be cut (`cut`) before it answers.
import { messageFrames, type StreamedMessage } from "../agent/message-stream.ts";

export const ANTHROPIC = "https://anthropic.fake";

type Block = {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  cache_control?: unknown;
};
type Message = { role: string; content: string | Block[] };
export type Edit = {
  type?: string;
  trigger?: { type?: string; value?: number };
  keep?: { type?: string; value?: number };
  clear_at_least?: { type?: string; value?: number };
};
type Body = {
  model?: string;
  max_tokens?: number;
  system?: unknown;
  tools?: { name?: string; type?: string; cache_control?: unknown }[];
  messages?: Message[];
  stream?: boolean;
  context_management?: { edits?: Edit[] };
};

export interface Step {
  content: StreamedMessage["content"];
  stopReason?: StreamedMessage["stopReason"];
  outputTokens?: number;
  delayMs?: number;
  /** Answers these errors to the first attempts of this step, in order. */
  failFirst?: { status: number; type: string; retryAfter?: number }[];
  /** Cuts the stream of the first attempt after this many frames. */
  cut?: number;
}

/** A scenario's steps; a function of the request for steps that depend on what the tools answered. */
export type Scenario = (Step | ((request: { toolResults: Block[] }) => Step))[];

const scenarios = new Map<string, Scenario>();
const attempts = new Map<string, number>();
const violations: string[] = [];
const requests: { scenario: string; step: number; body: Body }[] = [];

export function defineScenario(name: string, steps: Scenario): void {
  scenarios.set(name, steps);
}

export async function fakeAnthropic(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/-/fake/violations") return Response.json(violations);
  if (url.pathname === "/-/fake/context-editing") {
    return Response.json({
      with: requests.filter((r) => r.body.context_management).length,
      without: requests.filter((r) => !r.body.context_management).length,
    });
  }
  if (url.pathname === "/-/fake/requests")
    return Response.json(requests.filter((r) => r.scenario === url.searchParams.get("scenario")).map((r) => r.step));
  // The tool results the model was sent in a scenario's request for a step (default: its last request).
  if (url.pathname === "/-/fake/results") {
    const step = url.searchParams.get("step");
    const last = requests
      .filter((r) => r.scenario === url.searchParams.get("scenario") && (step === null || r.step === Number(step)))
      .at(-1);
    return Response.json(last ? blocks(last.body.messages!.at(-1)!).filter((b) => b.type === "tool_result") : []);
  }
  if (request.method !== "POST" || url.pathname !== "/v1/messages")
    return error(404, "not_found_error", `Not found: ${request.method} ${url.pathname}`);
  if (!request.headers.get("authorization")?.startsWith("Bearer ") && !request.headers.get("x-api-key")) {
    return error(401, "authentication_error", "invalid x-api-key");
  }
  const body = (await request.json()) as Body;
  const problem = validate(body) ?? validateBetas(body, request.headers.get("anthropic-beta"));
  if (problem) {
    violations.push(problem);
    return error(400, "invalid_request_error", problem);
  }
  const messages = body.messages!;
  const turnStart = messages.findLastIndex((m) => m.role === "user" && blocks(m).some((b) => b.type === "text"));
  const opening = blocks(messages[turnStart]!)
    .map((b) => b.text ?? "")
    .join(" ");
  const name = /\[scenario: ([\w-]+)\]/.exec(opening)?.[1] ?? "";
  const scenario = scenarios.get(name);
  if (!scenario) return error(400, "invalid_request_error", `No scenario named in the request (${JSON.stringify(opening.slice(0, 80))}).`);
  const step = messages.slice(turnStart + 1).filter((m) => m.role === "assistant").length;
  requests.push({ scenario: name, step, body });
  const last = messages.at(-1)!;
  const entry = scenario[step] ?? { content: [{ type: "text", text: "(The scenario has no more steps.)" }] };
  const plan = typeof entry === "function" ? entry({ toolResults: blocks(last).filter((b) => b.type === "tool_result") }) : entry;
  const key = `${name}:${turnStart}:${step}`;
  const attempt = attempts.get(key) ?? 0;
  attempts.set(key, attempt + 1);
  const failure = plan.failFirst?.[attempt];
  if (failure) {
    return error(
      failure.status,
      failure.type,
      failure.type === "overloaded_error" ? "Overloaded" : "Rate limited",
      failure.retryAfter ? { "retry-after": String(failure.retryAfter) } : {},
    );
  }
  if (plan.delayMs) await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
  const frames = messageFrames({
    id: `msg_fake${String(requests.length).padStart(6, "0")}`,
    model: body.model!,
    content: plan.content,
    stopReason: plan.stopReason ?? (plan.content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn"),
    usage: {
      input_tokens: Math.ceil(JSON.stringify(body).length / 4),
      output_tokens: plan.outputTokens ?? 50,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 10,
    },
  });
  const cutAfter = attempt === 0 && plan.cut !== undefined ? plan.cut : undefined;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const [index, text] of frames.entries()) {
        if (cutAfter !== undefined && index >= cutAfter) {
          controller.error(new Error("connection reset by the fake API"));
          return;
        }
        controller.enqueue(encoder.encode(text));
      }
      controller.close();
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream", "request-id": `req_fake${requests.length}` } });
}

function error(status: number, type: string, message: string, headers: Record<string, string> = {}): Response {
  return Response.json(
    { type: "error", error: { type, message }, request_id: `req_err${requests.length}` },
    { status, headers: { ...headers, "request-id": `req_err${requests.length}` } },
  );
}

function blocks(message: Message): Block[] {
  return typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
}

/** Context editing is a beta: its header must come with it, and its edits must be ones the API knows. */
function validateBetas(body: Body, betas: string | null): string | null {
  if (!body.context_management) return null;
  if (
    !(betas ?? "")
      .split(",")
      .map((beta) => beta.trim())
      .includes("context-management-2025-06-27")
  ) {
    return "context_management: Extra inputs are not permitted (it needs the anthropic-beta header context-management-2025-06-27)";
  }
  for (const [i, edit] of (body.context_management.edits ?? []).entries()) {
    if (edit.type !== "clear_tool_uses_20250919" && edit.type !== "clear_thinking_20251015")
      return `context_management.edits.${i}.type: Input tag '${edit.type}' is not one of the expected tags`;
    if (edit.trigger && !(["input_tokens", "tool_uses"].includes(edit.trigger.type ?? "") && Number.isInteger(edit.trigger.value)))
      return `context_management.edits.${i}.trigger: invalid trigger`;
    if (edit.keep && !(edit.keep.type === "tool_uses" && Number.isInteger(edit.keep.value)))
      return `context_management.edits.${i}.keep: invalid keep`;
  }
  return null;
}

/** The first rule of the Messages API the request breaks, worded as the API words it, or null. */
export function validate(body: Body): string | null {
  if (typeof body.model !== "string" || body.model === "") return "model: Field required";
  if (!Number.isInteger(body.max_tokens) || body.max_tokens! < 1) return "max_tokens: Field required";
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "messages: Field required";
  const tools = body.tools ?? [];
  const names = tools.map((tool) => tool.name);
  if (new Set(names).size !== names.length) return "tools: Tool names must be unique.";
  for (const [i, tool] of tools.entries()) {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name ?? ""))
      return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
    if (tool.type === "text_editor_20250728" && tool.name !== "str_replace_based_edit_tool")
      return `tools.${i}: text_editor_20250728 must be named str_replace_based_edit_tool`;
  }
  let breakpoints = tools.filter((tool) => tool.cache_control).length;
  if (Array.isArray(body.system)) breakpoints += (body.system as Block[]).filter((block) => block.cache_control).length;
  const messages = body.messages;
  if (messages[0]!.role !== "user") return 'messages: first message must use the "user" role';
  for (const [i, message] of messages.entries()) {
    if (i > 0 && message.role === messages[i - 1]!.role)
      return `messages: roles must alternate between "user" and "assistant", but found multiple "${message.role}" roles in a row`;
    const content = blocks(message);
    if (content.length === 0 && i < messages.length - 1)
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    breakpoints += content.filter((block) => block.cache_control).length;
    for (const block of content) {
      if (block.type === "text" && !(block.text ?? "").trim()) return "messages: text content blocks must contain non-whitespace text";
      if (block.type === "tool_use" && !/^[a-zA-Z0-9_-]+$/.test(block.id ?? ""))
        return `messages.${i}.content: tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`;
    }
    const previousUses =
      i > 0 && messages[i - 1]!.role === "assistant"
        ? blocks(messages[i - 1]!)
            .filter((block) => block.type === "tool_use")
            .map((block) => block.id)
        : [];
    const results = content.filter((block) => block.type === "tool_result");
    for (const [m, result] of results.entries()) {
      if (!previousUses.includes(result.tool_use_id)) {
        return `messages.${i}.content.${m}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${result.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
    if (previousUses.length > 0) {
      const leading = content.slice(0, previousUses.length);
      const missing = previousUses.filter((id) => !leading.some((block) => block.type === "tool_result" && block.tool_use_id === id));
      if (message.role !== "user" || missing.length > 0) {
        return `messages.${i - 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ") || previousUses.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
  }
  const lastUses = messages.at(-1)!.role === "assistant" ? blocks(messages.at(-1)!).filter((block) => block.type === "tool_use") : [];
  if (lastUses.length > 0) return "messages: the final assistant message may not contain tool_use blocks without results";
  if (breakpoints > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`;
  return null;
}
