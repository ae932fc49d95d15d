import { messageFrames, type StreamedMessage } from "./message-stream";
import { REPLAY_SESSION, REPLAY_MARK, REPLAY_DONE } from "./replay-session";

type Block = { type: string; text?: string };
type RequestBody = { messages: { role: string; content: string | Block[] }[] };

/**
 * The built-in offline model (`MODEL=replay`): a `fetch` for the Anthropic
 * SDK that answers `POST /v1/messages` from a recorded session instead of
 * the network, streaming each answer in the Messages API's own format. The
 * step it plays is the number of assistant messages since the turn's
 * request, so a resumed turn replays the same step again.
 */
export function replayFetch(delayMs: number): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).pathname !== "/v1/messages")
      return Response.json(errorBody("not_found_error", "The replay model only answers /v1/messages."), { status: 404 });
    const body = (await request.json()) as RequestBody;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const message = answer(body);
    return new Response(messageFrames(message).join(""), {
      headers: { "content-type": "text/event-stream", "request-id": `req_replay_${message.id.slice(4)}` },
    });
  };
}

function answer(body: RequestBody): StreamedMessage {
  const messages = body.messages;
  // The turn's request is the last user message with text in it (tool results have none).
  const start = messages.findLastIndex((message) => message.role === "user" && blocks(message).some((block) => block.type === "text"));
  const step = messages.slice(start + 1).filter((message) => message.role === "assistant").length;
  const playedBefore = messages
    .slice(0, start)
    .some((message) => message.role === "assistant" && blocks(message).some((block) => block.text?.includes(REPLAY_MARK)));
  const content = playedBefore
    ? [{ type: "text" as const, text: REPLAY_DONE }]
    : (REPLAY_SESSION[step] ?? [{ type: "text" as const, text: REPLAY_DONE }]);
  const size = JSON.stringify(body).length;
  return {
    id: `msg_replay${String(step).padStart(2, "0")}${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`,
    model: "replay",
    content,
    stopReason: content.some((block) => block.type === "tool_use") ? "tool_use" : "end_turn",
    // Estimates (about four characters a token); the replay calls no model.
    usage: { input_tokens: Math.ceil(size / 4), output_tokens: Math.ceil(JSON.stringify(content).length / 4) },
  };
}

function blocks(message: { content: string | Block[] }): Block[] {
  return typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
}

function errorBody(type: string, message: string) {
  return { type: "error", error: { type, message } };
}
