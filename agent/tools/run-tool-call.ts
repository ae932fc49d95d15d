import type { ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";
import { changedPaths, manifestDelta, StoreError, utf8OrNull } from "../../src/store";
import type { TurnHost } from "../turn-host";
import { buildAndTest, failureSignature } from "./build-and-test";
import { TOOL_NAMES, type ToolName } from "./definitions";
import { checkToolInput } from "./tool-inputs";
import { runEditor, type DraftReader, type EditorInput } from "./text-editor";
import { runExecute } from "./execute";

/** A tool call's recorded result: what goes back to the model as its `tool_result`. */
export interface RecordedResult {
  content: string;
  isError: boolean;
  /** A one-line account for the event stream and the conversation view. */
  summary: string;
}

/**
 * Runs one tool call and records its result keyed by its turn and `tool_use` id,
 * together with its draft edits (all or nothing). A call with a recorded
 * result is not run again. Tool failures are results (`isError`), never
 * exceptions; only a fault of the host itself throws.
 */
export async function runToolCall(host: TurnHost, turnId: string, use: ToolUseBlock): Promise<RecordedResult> {
  const recorded = host.turns.log.toolResult(turnId, use.id) as RecordedResult | undefined;
  if (recorded) return recorded;
  const interrupted = host.turns.log.pending(turnId, use.id);
  if (interrupted !== undefined) return stopped(host, turnId, use.id, interrupted);
  const name = use.name as ToolName;
  if (!TOOL_NAMES.includes(name)) {
    return record(host, turnId, use.id, {
      content: `There is no tool ${String(use.name).slice(0, 100)}; use str_replace_based_edit_tool, execute or build_and_test.`,
      isError: true,
      summary: "unknown tool",
    });
  }
  const checked = checkToolInput<EditorInput & { code: string }>(name, use.input);
  if (!checked.ok) return record(host, turnId, use.id, { content: checked.message, isError: true, summary: "input refused" });
  switch (name) {
    case "str_replace_based_edit_tool":
      return editor(host, turnId, use, checked.input);
    case "execute":
      return execute(host, turnId, use, checked.input.code);
    case "build_and_test":
      return build(host, turnId, use);
  }
}

async function editor(host: TurnHost, turnId: string, use: ToolUseBlock, input: EditorInput): Promise<RecordedResult> {
  const outcome = await runEditor(input, draftReader(host));
  const result: RecordedResult = {
    content: outcome.content,
    isError: outcome.isError,
    summary: `${input.command} ${input.path}${outcome.isError ? " (failed)" : ""}`,
  };
  try {
    await host.turns.applyToolCall(turnId, use.id, outcome.changes, result);
    return result;
  } catch (error) {
    // An edit a commit would refuse (over a size limit, a file where a directory is): the model is told, nothing changes.
    if (!(error instanceof StoreError)) throw error;
    return record(host, turnId, use.id, {
      content: `The edit was refused: ${error.message}`,
      isError: true,
      summary: `${input.command} ${input.path} (refused)`,
    });
  }
}

/**
 * A call the server stopped in the middle of (a restart, a crash) is
 * answered as an error the model can act on, never run again; the draft
 * goes back to the tree kept before it ran, if it kept one.
 */
async function stopped(host: TurnHost, turnId: string, toolUseId: string, tree: string): Promise<RecordedResult> {
  const log = host.turns.log;
  const result: RecordedResult = {
    content: `The call was stopped: the server restarted while it ran, so it is not run again (it may be what stopped the server, such as code that never yields).${tree ? " Its changes to the draft were undone." : ""}`,
    isError: true,
    summary: "stopped: the server restarted while it ran",
  };
  const recordIt = () => {
    log.recordToolResult(turnId, toolUseId, result);
    log.clearPending(turnId, toolUseId);
  };
  if (!tree) {
    host.transaction(recordIt);
    return result;
  }
  await host.store.restoreDraft(tree, recordIt);
  await host.store.releaseSnapshot(tree);
  return result;
}

/**
 * The model's code edits the live draft (its own `preview.fetch` sees them).
 * The draft's tree is kept first, durably: if the code throws, or leaves
 * files a commit would refuse, the draft goes back to that tree in the same
 * transaction that records the result. The host stops the code at its time
 * limit, or when the turn is cancelled or out of time.
 */
async function execute(host: TurnHost, turnId: string, use: ToolUseBlock, code: string): Promise<RecordedResult> {
  const log = host.turns.log;
  const before = await host.store.manifest("draft");
  const tree = await host.store.snapshotDraft();
  host.transaction(() => log.setPending(turnId, use.id, tree));
  const run = await runExecute(code, { ...host, stopReason: () => stopReason(host, turnId) });
  // From here on the code's calls are refused (codemode lets unawaited ones run after it returns).
  let error = run.error;
  if (error === undefined) {
    error = await host.store.checkDraft().then(
      () => undefined,
      (refused: Error) => `The code left files a commit refuses: ${refused.message}`,
    );
  }
  const content = JSON.stringify({
    result: run.result ?? null,
    logs: run.logs,
    ...(error !== undefined ? { error: `${error} The draft was left as it was before this call.` } : {}),
  });
  const result: RecordedResult = {
    content,
    isError: error !== undefined,
    summary: error === undefined ? "ran" : `failed: ${error.slice(0, 120)}`,
  };
  if (error !== undefined) {
    await host.store.restoreDraft(tree, () => {
      log.recordToolResult(turnId, use.id, result);
      log.clearPending(turnId, use.id);
    });
    await host.store.releaseSnapshot(tree);
    return result;
  }
  const changed = changedPaths(manifestDelta(before, await host.store.manifest("draft")));
  host.transaction(() => {
    log.recordToolResult(turnId, use.id, result);
    log.clearPending(turnId, use.id);
    if (changed.length > 0) log.append(turnId, "files.changed", { paths: changed });
  });
  await host.store.releaseSnapshot(tree);
  return result;
}

/** Builds and tests the draft; marked as under way first, so a restart in the middle never runs it again. */
async function build(host: TurnHost, turnId: string, use: ToolUseBlock): Promise<RecordedResult> {
  const log = host.turns.log;
  const state = log.state(turnId);
  host.transaction(() => log.setPending(turnId, use.id, ""));
  const outcome = await buildAndTest(host, turnId, state.previewUrl);
  const signature = failureSignature(outcome);
  const stuck = signature === null ? null : { signature, count: state.stuck?.signature === signature ? state.stuck.count + 1 : 1 };
  const summary = outcome.build.ok
    ? `build ok, ${outcome.tests.passed} passed, ${outcome.tests.failed} failed`
    : `build failed (${outcome.build.errors.length} error${outcome.build.errors.length === 1 ? "" : "s"})`;
  const result: RecordedResult = { content: JSON.stringify(outcome), isError: false, summary };
  host.transaction(() => {
    log.recordToolResult(turnId, use.id, result);
    log.clearPending(turnId, use.id);
    log.setStuck(turnId, stuck);
  });
  return result;
}

/** Why a running call must end now: the turn was cancelled or ran out of time. */
function stopReason(host: TurnHost, turnId: string): string | null {
  if (host.turns.log.cancelRequested(turnId)) return "The user cancelled the turn while this call ran; it was stopped.";
  const { maxSeconds } = host.budgets;
  if (Date.now() - host.turns.log.state(turnId).startedAt > maxSeconds * 1000)
    return `The turn ran past its ${maxSeconds} s while this call ran; it was stopped.`;
  return null;
}

function record(host: TurnHost, turnId: string, toolUseId: string, result: RecordedResult): RecordedResult {
  host.transaction(() => host.turns.log.recordToolResult(turnId, toolUseId, result));
  return result;
}

function draftReader(host: TurnHost): DraftReader {
  return {
    async read(path) {
      const file = await host.store.readFile("draft", path);
      if (!file) return null;
      return utf8OrNull(file.bytes) ?? { binary: file.size };
    },
    async paths() {
      return [...(await host.store.manifest("draft")).keys()].sort();
    },
  };
}
