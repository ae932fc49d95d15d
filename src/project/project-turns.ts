import type { TurnBudgets } from "../server-config";
import type { Change, ProjectStore } from "../store";
import type { TurnLog, FinalStatus, TurnInfo } from "./turn-log";

/** One line of the conversation as people read it (GET /messages). */
export type ConversationEntry =
  | { turnId: string; role: "user" | "assistant"; text: string }
  | { turnId: string; role: "tool"; id: string; name: string; input: unknown; ok: boolean | null; summary: string };

export interface ConversationView {
  messages: ConversationEntry[];
}

type Block = { type: string; text?: string; id?: string; name?: string; input?: unknown };

/**
 * What an agent turn does to a project, on top of the turn log: start a
 * turn from the head, apply a tool call's edits together with its recorded
 * result, and end with exactly one commit of the draft. Every step is
 * idempotent, so a resumed turn can repeat it safely.
 */
export class ProjectTurns {
  constructor(
    readonly log: TurnLog,
    private readonly store: ProjectStore,
  ) {}

  async start(message: string, options: { previewUrl?: string; budgets?: Partial<TurnBudgets> } = {}): Promise<TurnInfo> {
    return this.log.start(`t${crypto.randomUUID().replaceAll("-", "").slice(0, 15)}`, message, await this.store.head(), options);
  }

  /**
   * Applies a tool call's edits to the draft and records its result in the
   * same transaction; a call whose result is recorded already is not applied
   * again. Returns the paths that changed.
   */
  async applyToolCall(turnId: string, toolUseId: string, changes: Change[], result: unknown): Promise<string[]> {
    if (this.log.toolResult(turnId, toolUseId) !== undefined) return [];
    return this.store.editDraft(changes, (changed) => {
      this.log.recordToolResult(turnId, toolUseId, result);
      if (changed.length > 0) this.log.append(turnId, "files.changed", { paths: changed });
    });
  }

  /**
   * The conversation for people: requests, the assistant's text, and one
   * line per tool call with its recorded outcome (null while it has none).
   */
  view(): ConversationView {
    const messages: ConversationEntry[] = [];
    for (const message of this.log.conversation()) {
      for (const block of message.content as Block[]) {
        if (block.type === "text" && block.text) {
          // A turn's opening message also carries the file list the model was given; people wrote only the request.
          messages.push({ turnId: message.turnId, role: message.role, text: block.text.split("\n\n<project_files>")[0]! });
        } else if (block.type === "tool_use") {
          const result = this.log.toolResult(message.turnId, block.id!) as { isError: boolean; summary: string } | undefined;
          messages.push({
            turnId: message.turnId,
            role: "tool",
            id: block.id!,
            name: block.name!,
            input: block.input,
            ok: result ? !result.isError : null,
            summary: result?.summary ?? "not run",
          });
        }
      }
    }
    return { messages };
  }

  /**
   * Ends a running turn: the draft, if it changed, becomes one new version
   * (author `agent`) in the same transaction as the turn's end. A finished
   * turn is returned as it is.
   */
  async finish(turnId: string, outcome: { status: FinalStatus; error?: string }): Promise<TurnInfo> {
    const turn = this.log.get(turnId);
    if (turn.status !== "running") return turn;
    // A call cut short before its result (an execute when the server stopped) is undone, never committed half-done.
    for (const { toolUseId, tree } of this.log.pendingOf(turnId)) {
      if (tree) await this.store.restoreDraft(tree, () => this.log.clearPending(turnId, toolUseId));
      else this.log.clearPending(turnId, toolUseId);
    }
    let finished: TurnInfo | undefined;
    try {
      await this.store.commitDraft({ base: await this.store.head(), message: versionMessage(turn.message), author: "agent" }, (version) => {
        this.log.append(turnId, "version.created", { version });
        finished = this.log.finish(turnId, { ...outcome, version });
      });
    } catch (error) {
      // The turn still ends; its edits stay in the draft, where a later turn or commit can fix them.
      const reason = error instanceof Error ? error.message : String(error);
      return this.log.finish(turnId, {
        status: "failed",
        error: `${outcome.error ? `${outcome.error} ` : ""}Its changes could not be committed: ${reason}`,
      });
    }
    return finished ?? this.log.finish(turnId, outcome);
  }
}

/** The version message of a turn: its request's first line, shortened. */
function versionMessage(request: string): string {
  const line = request.trim().split("\n")[0]!;
  return line.length > 72 ? `${line.slice(0, 71)}…` : line;
}
