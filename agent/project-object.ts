import { budgetsFromEnv, executeTimeoutFromEnv, limitsFromEnv, modelConfigFromEnv } from "../src/server-config";
import { ProjectObjectBase } from "../src/project";
import { sandboxRuntime } from "../src/sandbox";
import type { TurnBudgets } from "../src/server-config";
import type { TurnHost } from "./turn-host";
import { runTurnStep } from "./loop";
import { Model } from "./model";

/**
 * The project's Durable Object with the agent loop: the stages' object
 * (src/project) plus the one hook that runs a turn's step from its alarm.
 * The Worker's entry exports this class.
 */
export class ProjectObject extends ProjectObjectBase {
  private model: Model | undefined;

  protected override async runTurnStep(turnId: string): Promise<boolean> {
    let host: TurnHost;
    try {
      host = this.turnHost(turnId);
    } catch (error) {
      // A configuration the server no longer has (e.g. a bad TURN_MAX_* after a restart) ends the turn, never strands it.
      await this.part("turns").finish(turnId, { status: "failed", error: error instanceof Error ? error.message : String(error) });
      return false;
    }
    return runTurnStep(host, turnId);
  }

  private turnHost(turnId: string): TurnHost {
    const store = this.part("store");
    const builds = this.part("builds");
    const tests = this.part("tests");
    const turns = this.part("turns");
    const previewUrl = turns.log.state(turnId).previewUrl ?? "http://draft.preview.invalid/";
    return {
      turns,
      store,
      workspace: store.workspace,
      limits: limitsFromEnv(this.env),
      executeTimeoutMs: executeTimeoutFromEnv(this.env),
      runtime: sandboxRuntime(this.env),
      model: () => this.modelFor(),
      budgets: withinServer(budgetsFromEnv(this.env), turns.log.state(turnId).budgets),
      transaction: (writes) => this.ctx.storage.transactionSync(writes),
      buildDraft: () => builds.build("draft"),
      testDraft: () => tests.run("draft"),
      previewFetch: (path, init) => {
        // The turn's URL has no token (TurnState); the app never gets one from the model's own path either.
        const url = new URL(path, previewUrl);
        url.searchParams.delete("access");
        url.hash = "";
        return builds.serve(new Request(url, init), "draft", url.hostname.split(".")[0]!);
      },
    };
  }

  private modelFor(): Model {
    const config = modelConfigFromEnv(this.env);
    if (!config)
      throw new Error("No model is configured: set ANTHROPIC_API_KEY (and optionally ANTHROPIC_BASE_URL, MODEL), or MODEL=replay.");
    if (this.model?.name !== config.model) this.model = new Model(config);
    return this.model;
  }
}

/** A turn's budgets: what its request asked for, never more than the server allows. */
function withinServer(server: TurnBudgets, asked: Partial<TurnBudgets>): TurnBudgets {
  return {
    maxModelCalls: Math.min(server.maxModelCalls, asked.maxModelCalls ?? Infinity),
    maxOutputTokens: Math.min(server.maxOutputTokens, asked.maxOutputTokens ?? Infinity),
    maxSeconds: Math.min(server.maxSeconds, asked.maxSeconds ?? Infinity),
  };
}
