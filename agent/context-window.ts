import type { ContentBlockParam, MessageParam } from "@anthropic-ai/sdk/resources/messages";
import type { ConversationMessage } from "../src/project";

/**
 * About 150k tokens at ~3.5 characters a token: what the conversation may
 * take of the context window before older turns are shortened further.
 */
const MAX_CONTEXT_CHARS = 520_000;
const CLEARED = "[Output of an earlier turn, cleared to save context.]";
const CLEARED_NOW = "[Output of an earlier step of this turn, cleared to save context.]";
/** Tool results of the current turn always kept whole, newest first. */
const KEEP_RECENT_RESULTS = 6;

/** The messages this loop writes: a role and content blocks. */
type Msg = { role: "user" | "assistant"; content: ContentBlockParam[] };

/**
 * The messages of a model call: the project's conversation across turns,
 * kept within the context window. Tool outputs and large tool inputs of
 * earlier turns are cleared first; if that is not enough, the oldest turns
 * shrink to their request, and then the current turn's older tool outputs
 * are cleared (its last few are always kept). The result
 * alternates user/assistant, every tool_use has its tool_result, and the
 * last block carries the cache breakpoint for the growing conversation.
 */
export function buildMessages(conversation: ConversationMessage[], currentTurnId: string): MessageParam[] {
  return shape(conversation, currentTurnId);
}

function shape(conversation: ConversationMessage[], currentTurnId: string): Msg[] {
  const turns = groupByTurn(conversation);
  let shaped = turns.map((turn) => (turn.id === currentTurnId ? turn.messages : turn.messages.map(clearOutputs)));
  for (let oldest = 0; size(shaped) > MAX_CONTEXT_CHARS && oldest < turns.length - 1; oldest++) {
    shaped = shaped.map((messages, index) => (index === oldest ? requestOnly(messages) : messages));
  }
  if (size(shaped) > MAX_CONTEXT_CHARS && shaped.length > 0) shaped[shaped.length - 1] = clearOlderResults(shaped.at(-1)!);
  const messages = normalize(shaped.flat());
  const last = messages.at(-1);
  if (last && last.content.length > 0) {
    last.content[last.content.length - 1] = { ...last.content.at(-1)!, cache_control: { type: "ephemeral" } } as ContentBlockParam;
  }
  return messages;
}

function groupByTurn(conversation: ConversationMessage[]): { id: string; messages: Msg[] }[] {
  const turns: { id: string; messages: Msg[] }[] = [];
  for (const message of conversation) {
    if (turns.at(-1)?.id !== message.turnId) turns.push({ id: message.turnId, messages: [] });
    turns.at(-1)!.messages.push({ role: message.role, content: message.content as ContentBlockParam[] });
  }
  return turns;
}

/** Clears tool results and the bulky inputs of tool calls (file contents, code). */
function clearOutputs(message: Msg): Msg {
  return {
    ...message,
    content: message.content.map((block) => {
      if (block.type === "tool_result") return { ...block, content: CLEARED };
      if (block.type === "tool_use") {
        const input = { ...(block.input as Record<string, unknown>) };
        for (const key of ["file_text", "code", "new_str", "old_str", "insert_text"]) {
          if (typeof input[key] === "string" && (input[key] as string).length > 200) input[key] = CLEARED;
        }
        return { ...block, input };
      }
      return block;
    }),
  };
}

/** A long turn's tool results but the last few, cleared. */
function clearOlderResults(messages: Msg[]): Msg[] {
  let keep = KEEP_RECENT_RESULTS;
  return messages
    .slice()
    .reverse()
    .map((message) => ({
      ...message,
      content: message.content
        .slice()
        .reverse()
        .map((block) => (block.type === "tool_result" && keep-- <= 0 ? { ...block, content: CLEARED_NOW } : block))
        .reverse(),
    }))
    .reverse();
}

/** An old turn reduced to the user's request and a note. */
function requestOnly(messages: Msg[]): Msg[] {
  const request = messages[0];
  if (!request) return [];
  const text = request.content.filter((block) => block.type === "text");
  return [
    { role: "user", content: text },
    { role: "assistant", content: [{ type: "text", text: "[Earlier turn; its details were cleared to save context.]" }] },
  ];
}

function size(turns: Msg[][]): number {
  return JSON.stringify(turns).length;
}

/**
 * Repairs what an interrupted or failed turn can leave: tool calls with no
 * result get one saying they did not run, and consecutive messages of one
 * role are merged (tool results first, as the API requires).
 */
function normalize(messages: Msg[]): Msg[] {
  const out: Msg[] = [];
  for (const original of messages) {
    const message: Msg = { role: original.role, content: [...original.content] };
    const previous = out.at(-1);
    if (previous?.role === "assistant") {
      const unanswered = previous.content
        .filter((block) => block.type === "tool_use")
        .map((block) => (block as { id: string }).id)
        .filter(
          (id) => !(message.role === "user" && message.content.some((block) => block.type === "tool_result" && block.tool_use_id === id)),
        );
      if (unanswered.length > 0) {
        const filler: ContentBlockParam[] = unanswered.map((id) => ({
          type: "tool_result",
          tool_use_id: id,
          content: "Not run: the turn ended first.",
          is_error: true,
        }));
        if (message.role === "user") message.content = [...filler, ...message.content];
        else out.push({ role: "user", content: filler });
      }
    }
    const last = out.at(-1);
    if (last && last.role === message.role) {
      const merged = [...last.content, ...message.content];
      last.content = [...merged.filter((block) => block.type === "tool_result"), ...merged.filter((block) => block.type !== "tool_result")];
    } else {
      out.push(message);
    }
  }
  return out;
}
