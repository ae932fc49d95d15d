import { describe, expect, it } from "vitest";
import { buildMessages } from "../../agent/context-window.ts";
import type { ConversationMessage } from "../../src/project/turn-log.ts";
import { validate } from "../fake-anthropic.ts";

const user = (turnId: string, text: string): ConversationMessage => ({ turnId, role: "user", content: [{ type: "text", text }] });
const calls = (turnId: string, ...ids: string[]): ConversationMessage => ({
  turnId,
  role: "assistant",
  content: ids.map((id) => ({
    type: "tool_use",
    id,
    name: "str_replace_based_edit_tool",
    input: { command: "create", path: "a.txt", file_text: "x".repeat(500) },
  })),
});
const results = (turnId: string, size: number, ...ids: string[]): ConversationMessage => ({
  turnId,
  role: "user",
  content: ids.map((id) => ({ type: "tool_result", tool_use_id: id, content: "r".repeat(size) })),
});
const said = (turnId: string, text: string): ConversationMessage => ({ turnId, role: "assistant", content: [{ type: "text", text }] });
const request = (messages: unknown[]) => ({ model: "m", max_tokens: 10, messages }) as Parameters<typeof validate>[0];

describe("the messages of a model call", () => {
  it("clears earlier turns' tool outputs and large inputs, keeps the current turn whole, and caches its end", () => {
    const messages = buildMessages(
      [
        user("t1", "first"),
        calls("t1", "toolu_a"),
        results("t1", 50, "toolu_a"),
        said("t1", "done"),
        user("t2", "second"),
        calls("t2", "toolu_b"),
        results("t2", 50, "toolu_b"),
      ],
      "t2",
    );
    expect(validate(request(messages))).toBeNull();
    const text = JSON.stringify(messages);
    expect(text).toContain("Output of an earlier turn, cleared");
    expect((messages[1]!.content as { input: { file_text: string } }[])[0]!.input.file_text).toContain("cleared");
    expect((messages.at(-1)!.content as { content: string }[])[0]!.content).toBe("r".repeat(50));
    expect(text.match(/cache_control/g)).toHaveLength(1);
    expect((messages.at(-1)!.content as { cache_control?: unknown }[]).at(-1)!.cache_control).toEqual({ type: "ephemeral" });
  });

  it("repairs what an interrupted turn left: tool calls without results, two user messages in a row", () => {
    const messages = buildMessages([user("t1", "first"), calls("t1", "toolu_a", "toolu_b"), user("t2", "second")], "t2");
    expect(validate(request(messages))).toBeNull();
    expect(messages).toHaveLength(3);
    expect((messages[2]!.content as { type: string }[]).map((block) => block.type)).toEqual(["tool_result", "tool_result", "text"]);
  });

  it("stays within the context window: old turns shrink to their request, then the current turn keeps its last six outputs", () => {
    const old = Array.from({ length: 10 }, (_, i) => [
      user(`o${i}`, `request ${i}`),
      calls(`o${i}`, `toolu_o${i}`),
      results(`o${i}`, 10, `toolu_o${i}`),
      said(`o${i}`, "ok"),
    ]).flat();
    const current = [user("now", "current request")];
    for (let i = 0; i < 40; i++) current.push(calls("now", `toolu_n${i}`), results("now", 20_000, `toolu_n${i}`));
    const messages = buildMessages([...old, ...current], "now");
    expect(validate(request(messages))).toBeNull();
    expect(JSON.stringify(messages).length).toBeLessThan(520_000);
    const kept = messages
      .flatMap((m) => m.content as { type: string; content?: string }[])
      .filter((b) => b.type === "tool_result" && b.content === "r".repeat(20_000));
    expect(kept).toHaveLength(6);
    expect(JSON.stringify(messages)).toContain("request 0");
  });
});
