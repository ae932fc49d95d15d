import Anthropic, { APIError } from "@anthropic-ai/sdk";
import type { Message, MessageParam, ToolUnion } from "@anthropic-ai/sdk/resources/messages";

type BetaStreamParams = Parameters<Anthropic["beta"]["messages"]["stream"]>[0];
import type { ModelConfig } from "../src/server-config";
import { replayFetch } from "./replay";

/** One call's request, as the loop assembles it. */
export interface ModelRequest {
  system: string;
  tools: ToolUnion[];
  messages: MessageParam[];
  maxTokens: number;
}

export interface RetryInfo {
  attempt: number;
  reason: string;
  delayMs: number;
}

export interface ModelCallbacks {
  onText(delta: string): void;
  onRetry(retry: RetryInfo): void;
}

/** Retries of the SDK itself (429, 529, 5xx, connection errors), honouring retry-after. */
const SDK_RETRIES = 4;
/**
 * The API's context editing: past this many input tokens, tool uses older
 * than the last few are cleared server-side (the local clearing in
 * context-window.ts works on every endpoint; this also covers one long turn).
 */
const CONTEXT_EDITING: Pick<BetaStreamParams, "betas" | "context_management"> = {
  betas: ["context-management-2025-06-27"],
  context_management: {
    edits: [
      {
        type: "clear_tool_uses_20250919",
        trigger: { type: "input_tokens", value: 100_000 },
        keep: { type: "tool_uses", value: 6 },
        clear_at_least: { type: "input_tokens", value: 10_000 },
      },
    ],
  },
};

/** Re-issues of a call whose stream was cut before message_stop (the SDK does not retry those). */
const STREAM_RETRIES = 3;
const RETRYABLE_STATUS = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

/**
 * The agent's model: the Anthropic Messages API through the official SDK
 * (any compatible endpoint with ANTHROPIC_BASE_URL), or the built-in replay
 * model answering through the same SDK from an in-process endpoint.
 */
export class Model {
  private readonly client: Anthropic;
  private readonly contextEditing: boolean;
  readonly name: string;
  /** The callbacks of the call in flight (one at a time), for the retry middleware. */
  private active: ModelCallbacks | undefined;

  constructor(config: ModelConfig) {
    this.name = config.model;
    this.contextEditing = config.kind === "anthropic" && config.contextEditing;
    this.client = new Anthropic({
      apiKey: config.kind === "anthropic" ? config.apiKey : "replay",
      ...(config.kind === "anthropic" && config.baseURL ? { baseURL: config.baseURL } : {}),
      ...(config.kind === "replay" ? { baseURL: "https://replay.invalid", fetch: replayFetch(config.delayMs) } : {}),
      maxRetries: SDK_RETRIES,
      middleware: [
        // Runs per HTTP attempt: a retryable answer is reported as the retry the SDK is about to make.
        async (request, next) => {
          const response = await next(request);
          const attempt = Number(new Headers(request.headers).get("x-stainless-retry-count")) || 0;
          if (RETRYABLE_STATUS(response.status) && response.headers.get("x-should-retry") !== "false" && attempt < SDK_RETRIES) {
            this.active?.onRetry({
              attempt: attempt + 1,
              reason: `HTTP ${response.status}`,
              delayMs: retryDelay(response.headers, attempt),
            });
          }
          return response;
        },
      ],
    });
  }

  /**
   * Streams one message. A stream cut before `message_stop` is issued again
   * (its partial text was shown, then a `model.retry`); nothing of a cut
   * message is kept, so its tool calls never run. API errors that the SDK
   * does not retry (400, 401, 403, 404) are thrown.
   */
  async call(request: ModelRequest, callbacks: ModelCallbacks): Promise<Message> {
    this.active = callbacks;
    try {
      return await this.stream(request, callbacks);
    } finally {
      this.active = undefined;
    }
  }

  private async stream(request: ModelRequest, callbacks: ModelCallbacks): Promise<Message> {
    for (let attempt = 0; ; attempt++) {
      try {
        const params = {
          model: this.name,
          max_tokens: request.maxTokens,
          system: [{ type: "text" as const, text: request.system, cache_control: { type: "ephemeral" as const } }],
          tools: request.tools,
          messages: request.messages,
        };
        if (this.contextEditing) {
          // The beta request takes the same messages and tools; its answer has the same shape.
          const stream = this.client.beta.messages.stream({ ...params, ...CONTEXT_EDITING } as unknown as BetaStreamParams);
          stream.on("text", (delta) => callbacks.onText(delta));
          return (await stream.finalMessage()) as unknown as Message;
        }
        const stream = this.client.messages.stream(params);
        stream.on("text", (delta) => callbacks.onText(delta));
        return await stream.finalMessage();
      } catch (error) {
        if (error instanceof APIError && error.status !== undefined) throw error;
        if (attempt >= STREAM_RETRIES) throw error;
        const delayMs = 500 * 2 ** attempt;
        callbacks.onRetry({
          attempt: attempt + 1,
          reason: `the stream was cut (${error instanceof Error ? error.message : String(error)})`,
          delayMs,
        });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }
}

/** The SDK's delay before its next attempt: retry-after(-ms) when given, else its backoff without jitter. */
function retryDelay(headers: Headers, attempt: number): number {
  const ms = Number(headers.get("retry-after-ms"));
  if (ms > 0) return ms;
  const seconds = Number(headers.get("retry-after"));
  if (seconds > 0) return seconds * 1000;
  return Math.min(500 * 2 ** attempt, 8000);
}
