import type { ContentBlockParam, Message, ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";
import type { FinalStatus, TurnInfo, TurnState } from "../src/project";
import { buildMessages } from "./context-window";
import type { TurnHost } from "./turn-host";
import { SYSTEM_PROMPT, turnRequest } from "./prompt";
import { cachedTools } from "./tools/definitions";
import { runToolCall } from "./tools/run-tool-call";

/** The same build errors this many builds in a row end the turn as `stuck`. */
const STUCK_AFTER = 3;
/** Output tokens one model call may use (within what the turn's budget has left). */
const MAX_TOKENS_PER_CALL = 16_000;
/** How often streamed text is written as one `model.text` event. */
const TEXT_FLUSH_MS = 100;

/**
 * Runs the next step of a running turn: one model call, or the batch of
 * tool calls it asked for, or the end. Each step records its outcome in
 * one transaction, so a step cut short (a restart) simply runs again:
 * recorded tool calls are not run twice, a call that was under way is
 * answered as stopped, and a model call is issued again.
 * Returns whether the turn still runs (the caller schedules the next step).
 */
export async function runTurnStep(host: TurnHost, turnId: string): Promise<boolean> {
  const log = host.turns.log;
  const turn = log.get(turnId);
  if (turn.status !== "running") return false;
  const state = log.state(turnId);
  if (state.interrupted) log.append(turnId, "turn.resumed", { step: state.phase });
  log.markStep(turnId, true);
  log.addTimings(turnId, { steps: 1 });
  try {
    const stop = boundReached(host, turn, state);
    if (stop) await host.turns.finish(turnId, stop);
    else if (state.phase === "model") await modelStep(host, turnId);
    else if (state.phase === "tools") await toolsStep(host, turnId);
    else await host.turns.finish(turnId, { status: "completed" });
  } catch (error) {
    console.error(`Turn ${turnId} failed:`, error);
    await host.turns.finish(turnId, { status: "failed", error: error instanceof Error ? error.message : String(error) });
  }
  log.markStep(turnId, false);
  return log.get(turnId).status === "running";
}

/**
 * A reason to end the turn before its next step. Checked before model calls
 * only: a batch of tool calls always completes its message (its recorded
 * results, or "not run" for the rest when the turn was cancelled).
 */
function boundReached(host: TurnHost, turn: TurnInfo, state: TurnState): { status: FinalStatus; error?: string } | null {
  const log = host.turns.log;
  if (state.phase === "tools") return null;
  if (log.cancelRequested(turn.id)) return { status: "cancelled" };
  if (state.stuck && state.stuck.count >= STUCK_AFTER) {
    return { status: "stuck", error: `The same build errors ${state.stuck.count} times in a row.` };
  }
  if (state.phase !== "model") return null;
  const { budgets } = host;
  if (turn.usage.modelCalls >= budgets.maxModelCalls)
    return { status: "budget_exceeded", error: `The turn used its ${budgets.maxModelCalls} model calls.` };
  if (turn.usage.outputTokens >= budgets.maxOutputTokens)
    return { status: "budget_exceeded", error: `The turn used its ${budgets.maxOutputTokens} output tokens.` };
  if (Date.now() - state.startedAt > budgets.maxSeconds * 1000)
    return { status: "budget_exceeded", error: `The turn ran past its ${budgets.maxSeconds} s.` };
  return null;
}

async function modelStep(host: TurnHost, turnId: string): Promise<void> {
  const log = host.turns.log;
  if (!log.conversation().some((message) => message.turnId === turnId)) {
    const request = await turnRequest(host, turnId);
    host.transaction(() => log.addMessage({ turnId, role: "user", content: request }));
  }
  const turn = log.get(turnId);
  const text = textBuffer((delta) => log.append(turnId, "model.text", { delta }));
  let message: Message;
  const started = Date.now();
  try {
    message = await host.model().call(
      {
        system: SYSTEM_PROMPT,
        tools: cachedTools(),
        messages: buildMessages(log.conversation(), turnId),
        maxTokens: Math.min(MAX_TOKENS_PER_CALL, host.budgets.maxOutputTokens - turn.usage.outputTokens),
      },
      {
        onText: text.add,
        onRetry: (retry) => {
          text.flush();
          log.append(turnId, "model.retry", { ...retry });
        },
      },
    );
  } finally {
    text.flush();
    log.addTimings(turnId, { modelMs: Date.now() - started });
  }
  const usage = {
    inputTokens: message.usage.input_tokens,
    outputTokens: message.usage.output_tokens,
    cacheReadTokens: message.usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: message.usage.cache_creation_input_tokens ?? 0,
    modelCalls: 1,
  };
  const cut = message.stop_reason === "max_tokens";
  // A reply cut at max_tokens may end in a half-written tool call: keep its text only, and ask to go on.
  const content = (cut ? message.content.filter((block) => block.type === "text") : message.content).filter(
    (block) => block.type !== "text" || block.text.trim() !== "",
  ) as ContentBlockParam[];
  const wantsTools = content.some((block) => block.type === "tool_use");
  host.transaction(() => {
    log.addUsage(turnId, usage);
    if (content.length > 0) log.addMessage({ turnId, role: "assistant", content });
    if (cut)
      log.addMessage({
        turnId,
        role: "user",
        content: [{ type: "text", text: "Your reply was cut off by the output limit. Continue in smaller steps." }],
      });
    log.setPhase(turnId, cut ? "model" : wantsTools ? "tools" : "finish");
  });
}

/** Runs the last message's tool calls in order; their results go back in one user message. */
async function toolsStep(host: TurnHost, turnId: string): Promise<void> {
  const log = host.turns.log;
  const last = log
    .conversation()
    .filter((message) => message.turnId === turnId)
    .at(-1);
  const uses = ((last?.role === "assistant" ? last.content : []) as ContentBlockParam[]).filter(
    (block): block is ToolUseBlock & ContentBlockParam => block.type === "tool_use",
  );
  const results: ContentBlockParam[] = [];
  let cancelled = false;
  for (const use of uses) {
    const recorded = log.toolResult(turnId, use.id) !== undefined;
    // A safe point: never in the middle of a tool's edit.
    cancelled ||= !recorded && log.cancelRequested(turnId);
    if (cancelled) {
      results.push({ type: "tool_result", tool_use_id: use.id, content: "Not run: the user cancelled the turn.", is_error: true });
      continue;
    }
    const started = Date.now();
    // A call a restart cut short already has its tool.started; it is not run again (runToolCall).
    if (!recorded && log.pending(turnId, use.id) === undefined)
      log.append(turnId, "tool.started", { id: use.id, name: use.name, input: shortened(use.input) });
    const result = await runToolCall(host, turnId, use);
    log.addTimings(turnId, { toolMs: Date.now() - started });
    if (!recorded)
      log.append(turnId, "tool.finished", {
        id: use.id,
        name: use.name,
        ok: !result.isError,
        summary: result.summary,
        durationMs: Date.now() - started,
      });
    results.push({ type: "tool_result", tool_use_id: use.id, content: result.content, ...(result.isError ? { is_error: true } : {}) });
  }
  host.transaction(() => {
    log.addMessage({ turnId, role: "user", content: results });
    log.setPhase(turnId, "model");
  });
}

/** A tool input for the event stream: long strings (a created file, code) are cut. */
function shortened(input: unknown): unknown {
  if (typeof input !== "object" || input === null) return input;
  return Object.fromEntries(
    Object.entries(input).map(([key, value]) => [
      key,
      typeof value === "string" && value.length > 2000 ? `${value.slice(0, 2000)}… [${value.length - 2000} more characters]` : value,
    ]),
  );
}

/** Collects streamed text and writes it as one event per interval. */
function textBuffer(write: (delta: string) => void): { add(delta: string): void; flush(): void } {
  let pending = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending) write(pending);
    pending = "";
  };
  return {
    add(delta) {
      pending += delta;
      timer ??= setTimeout(flush, TEXT_FLUSH_MS);
    },
    flush,
  };
}
