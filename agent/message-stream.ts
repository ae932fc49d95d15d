/**
 * Writes a complete assistant message as the Messages API streams it:
 * `message_start`, per block `content_block_start` / `_delta` / `_stop`
 * (text as `text_delta`, tool input as `input_json_delta` fragments),
 * `message_delta` with the stop reason and output tokens, `message_stop`.
 * Used by the built-in replay model, and by tests' fake API.
 */
export interface StreamedMessage {
  id: string;
  model: string;
  content: ({ type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: unknown })[];
  stopReason: "end_turn" | "tool_use" | "max_tokens";
  usage: { input_tokens: number; output_tokens: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number };
}

/** Each SSE frame of the message, in order (`event:` + `data:` lines and a blank line). */
export function messageFrames(message: StreamedMessage, chunk = 24): string[] {
  const frames = [
    frame("message_start", {
      type: "message_start",
      message: {
        id: message.id,
        type: "message",
        role: "assistant",
        model: message.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...message.usage, output_tokens: 1 },
      },
    }),
    frame("ping", { type: "ping" }),
  ];
  message.content.forEach((block, index) => {
    if (block.type === "text") {
      frames.push(frame("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }));
      for (const piece of pieces(block.text, chunk)) {
        frames.push(frame("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: piece } }));
      }
    } else {
      frames.push(
        frame("content_block_start", {
          type: "content_block_start",
          index,
          content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
        }),
      );
      for (const piece of pieces(JSON.stringify(block.input), chunk * 4)) {
        frames.push(
          frame("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: piece } }),
        );
      }
    }
    frames.push(frame("content_block_stop", { type: "content_block_stop", index }));
  });
  frames.push(
    frame("message_delta", {
      type: "message_delta",
      delta: { stop_reason: message.stopReason, stop_sequence: null },
      usage: { output_tokens: message.usage.output_tokens },
    }),
    frame("message_stop", { type: "message_stop" }),
  );
  return frames;
}

export function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out.length > 0 ? out : [""];
}
