import type { z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { modelConfigFromEnv } from "../../server-config";
import { NO_USAGE, unwrap, type TurnEvent } from "../../project";
import { StoreError } from "../../store";
import { ApiError } from "../api-errors";
import { barePreviewUrl, projectStub } from "../project-stub";
import { openApiHono, served } from "../request";
import { TURN_ID, type ConversationSchema } from "../schemas";
import { eventsAccessToken } from "../auth";
import { cancelTurn, chat, getMessages, getTurn, listTurns, turnEvents } from "./turns.routes";

export const turns = openApiHono();

/** An idle stream gets a comment this often, so proxies and clients keep it open. */
const KEEP_ALIVE_MS = 10_000;
/** How long past its own wait a long poll of the project may take before the stream asks again without waiting. */
const POLL_GRACE_MS = 5_000;

/**
 * The turn's next events, waiting up to KEEP_ALIVE_MS for them. Once in a
 * CI run a long poll never answered and the stream hung for 15 minutes after
 * its turn ended (cause not found); a second, non-waiting read then keeps it going.
 */
function nextPage(stub: ReturnType<typeof projectStub>, turnId: string, after: number) {
  const waiting = stub.turnEvents(turnId, after, KEEP_ALIVE_MS);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Awaited<typeof waiting>>((resolve) => {
    timer = setTimeout(() => {
      console.warn(`The event poll of turn ${turnId} did not answer within ${(KEEP_ALIVE_MS + POLL_GRACE_MS) / 1000} s; reading again.`);
      resolve(stub.turnEvents(turnId, after, 0));
    }, KEEP_ALIVE_MS + POLL_GRACE_MS);
  });
  return Promise.race([waiting, late]).finally(() => clearTimeout(timer));
}

turns.openapi(served(chat), async (c) => {
  const { id } = c.req.valid("param");
  const { message, budgets } = c.req.valid("json");
  const stub = projectStub(c.env, id);
  unwrap(await stub.info());
  if (!modelConfigFromEnv(c.env)) {
    throw new ApiError(
      "model_not_configured",
      "No model is configured. Set ANTHROPIC_API_KEY (optionally ANTHROPIC_BASE_URL for another Anthropic-compatible endpoint, and MODEL), or start with MODEL=replay for the built-in offline replay model.",
      { variables: ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "MODEL"] },
    );
  }
  // Without its access token: the turn's model, the app it fetches and the turn's event stream all read this URL.
  const draft = barePreviewUrl(c.req.url, c.env, id, "draft");
  const turn = unwrap(await stub.startTurn(message, { previewUrl: draft, ...(budgets ? { budgets } : {}) }));
  return c.json({ turnId: turn.id, eventsUrl: await eventsUrl(c.env.API_TOKEN, id, turn.id) }, 202);
});

turns.openapi(served(turnEvents), async (c) => {
  const { id } = c.req.valid("param");
  const turnId = turnIdOf(c.req.valid("param").turnId);
  const stub = projectStub(c.env, id);
  // An id this stream never sent (not a whole number) replays from the start.
  const raw = c.req.header("Last-Event-ID") ?? c.req.query("lastEventId") ?? "";
  let after = /^\d{1,15}$/.test(raw) ? Number(raw) : 0;
  // The first read happens before the stream starts, so an unknown turn is a plain 404.
  type Page = { events: TurnEvent[]; running: boolean };
  let page = unwrap(await stub.turnEvents(turnId, after, 0)) as Page;
  // A finished turn with nothing after Last-Event-ID: 204, which tells EventSource not to reconnect.
  if (page.events.length === 0 && !page.running) return c.body(null, 204);
  return streamSSE(c, async (stream) => {
    let closed = false;
    stream.onAbort(() => {
      closed = true;
    });
    for (;;) {
      for (const event of page.events) {
        await stream.writeSSE({ id: String(event.seq), event: event.type, data: JSON.stringify(event.data) });
        after = event.seq;
        if (event.type === "turn.finished") return;
      }
      if (closed || (!page.running && page.events.length === 0)) return;
      try {
        page = unwrap(await nextPage(stub, turnId, after)) as Page;
      } catch (error) {
        if (!(error instanceof StoreError && error.code === "not_found")) throw error;
        // The project (and the turn with it) was deleted: the stream still ends with its last event.
        const data = { status: "failed", usage: NO_USAGE, error: "The project was deleted while this turn ran; the turn ended with it." };
        await stream.writeSSE({ id: String(after + 1), event: "turn.finished", data: JSON.stringify(data) });
        return;
      }
      if (page.events.length === 0 && page.running) await stream.write(": keep-alive\n\n");
    }
  });
});

turns.openapi(served(listTurns), async (c) => {
  const list = unwrap(await projectStub(c.env, c.req.valid("param").id).turns());
  return c.json({ turns: list }, 200);
});

turns.openapi(served(getTurn), async (c) => {
  const { id, turnId } = c.req.valid("param");
  const turn = unwrap(await projectStub(c.env, id).turn(turnIdOf(turnId)));
  return c.json({ ...turn, eventsUrl: await eventsUrl(c.env.API_TOKEN, id, turn.id) }, 200);
});

/** Where a turn's events stream; with API_TOKEN set it carries that stream's own `?access=` token (EventSource cannot send headers). */
async function eventsUrl(apiToken: string | undefined, id: string, turnId: string): Promise<string> {
  const path = `/api/projects/${id}/turns/${turnId}/events`;
  return apiToken ? `${path}?access=${await eventsAccessToken(apiToken, id, turnId)}` : path;
}

turns.openapi(served(cancelTurn), async (c) => {
  const { id, turnId } = c.req.valid("param");
  return c.json(unwrap(await projectStub(c.env, id).cancelTurn(turnIdOf(turnId))), 202);
});

turns.openapi(served(getMessages), async (c) => {
  // The stub types this answer `never` (Rpc types cannot serialize a tool call's `unknown` input).
  const view = unwrap<z.output<typeof ConversationSchema>>(await projectStub(c.env, c.req.valid("param").id).conversation());
  return c.json(view, 200);
});

/** A syntactically impossible turn id is simply an unknown turn. */
function turnIdOf(raw: string): string {
  if (!TURN_ID.test(raw)) throw new ApiError("not_found", `Turn ${JSON.stringify(raw)} not found.`);
  return raw;
}
