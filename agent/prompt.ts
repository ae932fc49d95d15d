import type { ContentBlockParam } from "@anthropic-ai/sdk/resources/messages";
import { changedPaths } from "../src/store";
import system from "../prompts/system.md";
import type { TurnHost } from "./turn-host";

/** The system prompt (prompts/system.md, bundled as text). */
export const SYSTEM_PROMPT: string = system;

/**
 * The user message that opens a turn: the request, the project's current
 * files, and what the user changed since the agent's last turn (commits or
 * restores in between), so the model does not work from stale memory.
 */
export async function turnRequest(host: TurnHost, turnId: string): Promise<ContentBlockParam[]> {
  const log = host.turns.log;
  const turn = log.get(turnId);
  const files = [...(await host.store.manifest("draft")).keys()].sort();
  const parts = [turn.message, `\n\n<project_files>\n${files.join("\n")}\n</project_files>`];
  const previous = log.list().find((other) => other.id !== turnId && other.status !== "running");
  if (previous) {
    const endedAt = previous.version ?? log.base(previous.id);
    const head = await host.store.head();
    if (endedAt > 0 && endedAt !== head) {
      const changed = changedPaths(await host.store.delta(endedAt, head));
      if (changed.length > 0) {
        parts.push(
          `\n\n<changed_since_your_last_turn>\nThe user changed these files since your last turn (versions ${endedAt} → ${head}); view them before relying on what you remember:\n${changed.join("\n")}\n</changed_since_your_last_turn>`,
        );
      }
    }
  }
  return [{ type: "text", text: parts.join("") }];
}
