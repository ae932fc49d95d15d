import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { modelConfigFromEnv } from "../../server-config";
import { unwrap, type TurnEvent } from "../../project";
import type { AppEnv } from "../app-env";
import { ApiError } from "../api-errors";
import { previewUrl, projectStub } from "../project-stub";
import { projectId, readJson } from "../request";
import { ChatBody, ConversationSchema, ProjectParams, TURN_ID, TurnListSchema, TurnParams, TurnSchema } from "../schemas";
import { errors, json, jsonBody } from "./openapi-helpers";
import { eventsAccessToken } from "../auth";

export const turns = new OpenAPIHono<AppEnv>();

/** An idle stream gets a comment this often, so proxies and clients keep it open. */
const KEEP_ALIVE_MS = 10_000;

turns.openAPIRegistry.registerPath(
  createRoute({
    method: "post",
    path: "/{id}/chat",
    summary: "Start an agent turn on the draft: the agent edits, builds and tests, then commits one version",
    request: { params: ProjectParams, body: jsonBody(ChatBody) },
    responses: {
      202: json("The turn started; follow eventsUrl", z.object({ turnId: z.string(), eventsUrl: z.string() })),
      409: json("A turn is running (`turn_in_progress`)", z.object({ error: z.object({ code: z.string(), message: z.string() }) })),
      503: json("No model is configured (`model_not_configured`)", z.object({ error: z.object({ code: z.string(), message: z.string() }) })),
      ...errors(400, 404),
    },
  }),
);
turns.post("/:id/chat", async (c) => {
  const id = projectId(c.req.param("id"));
  const { message, budgets } = await readJson(c, ChatBody);
  const stub = projectStub(c.env, id);
  unwrap(await stub.info());
  if (!modelConfigFromEnv(c.env)) {
    throw new ApiError(
      "model_not_configured",
      "No model is configured. Set ANTHROPIC_API_KEY (optionally ANTHROPIC_BASE_URL for another Anthropic-compatible endpoint, and MODEL), or start with MODEL=replay for the built-in offline replay model.",
      { variables: ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "MODEL"] },
    );
  }
  const draft = await previewUrl(c.req.url, c.env, id, "draft");
  const turn = unwrap(await stub.startTurn(message, { previewUrl: draft, ...(budgets ? { budgets } : {}) }));
  return c.json({ turnId: turn.id, eventsUrl: await eventsUrl(c.env.API_TOKEN, id, turn.id) }, 202);
});

turns.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/turns/{turnId}/events",
    summary: "The turn's events as Server-Sent Events: replayed from the start (or after Last-Event-ID), open until turn.finished",
    request: { params: TurnParams },
    responses: { 200: { description: "text/event-stream", content: { "text/event-stream": { schema: z.string() } } }, ...errors(404) },
  }),
);
turns.get("/:id/turns/:turnId/events", async (c) => {
  const id = projectId(c.req.param("id"));
  const turnId = turnIdOf(c.req.param("turnId"));
  const stub = projectStub(c.env, id);
  // An id this stream never sent (not a whole number) replays from the start.
  const raw = c.req.header("Last-Event-ID") ?? c.req.query("lastEventId") ?? "";
  let after = /^\d{1,15}$/.test(raw) ? Number(raw) : 0;
  // The first read happens before the stream starts, so an unknown turn is a plain 404.
  type Page = { events: TurnEvent[]; running: boolean };
  let page = unwrap(await stub.turnEvents(turnId, after, 0)) as Page;
  return streamSSE(c, async (stream) => {
    let closed = false;
    stream.onAbort(() => void (closed = true));
    for (;;) {
      for (const event of page.events) {
        await stream.writeSSE({ id: String(event.seq), event: event.type, data: JSON.stringify(event.data) });
        after = event.seq;
        if (event.type === "turn.finished") return;
      }
      if (closed || (!page.running && page.events.length === 0)) return;
      page = unwrap(await stub.turnEvents(turnId, after, KEEP_ALIVE_MS)) as Page;
      if (page.events.length === 0 && page.running) await stream.write(": keep-alive\n\n");
    }
  });
});

turns.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/turns",
    summary: "The project's turns, newest first",
    request: { params: ProjectParams },
    responses: { 200: json("Turns", TurnListSchema), ...errors(404) },
  }),
);
turns.get("/:id/turns", async (c) => {
  const list = unwrap(await projectStub(c.env, projectId(c.req.param("id"))).turns());
  return c.json({ turns: list });
});

turns.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/turns/{turnId}",
    summary: "One turn: status, usage and the version it made",
    request: { params: TurnParams },
    responses: { 200: json("The turn", TurnSchema), ...errors(404) },
  }),
);
turns.get("/:id/turns/:turnId", async (c) => {
  const id = projectId(c.req.param("id"));
  const turn = unwrap(await projectStub(c.env, id).turn(turnIdOf(c.req.param("turnId"))));
  return c.json({ ...turn, eventsUrl: await eventsUrl(c.env.API_TOKEN, id, turn.id) });
});

/** Where a turn's events stream; with API_TOKEN set it carries that stream's own `?access=` token (EventSource cannot send headers). */
async function eventsUrl(apiToken: string | undefined, id: string, turnId: string): Promise<string> {
  const path = `/api/projects/${id}/turns/${turnId}/events`;
  return apiToken ? `${path}?access=${await eventsAccessToken(apiToken, id, turnId)}` : path;
}

turns.openAPIRegistry.registerPath(
  createRoute({
    method: "post",
    path: "/{id}/turns/{turnId}/cancel",
    summary: "Stop a running turn at its next safe point (it still commits what it did)",
    request: { params: TurnParams },
    responses: { 202: json("Cancellation requested", TurnSchema), ...errors(404) },
  }),
);
turns.post("/:id/turns/:turnId/cancel", async (c) => {
  const id = projectId(c.req.param("id"));
  return c.json(unwrap(await projectStub(c.env, id).cancelTurn(turnIdOf(c.req.param("turnId")))), 202);
});

turns.openAPIRegistry.registerPath(
  createRoute({
    method: "get",
    path: "/{id}/messages",
    summary: "The conversation: requests, assistant text, and one line per tool call with its outcome",
    request: { params: ProjectParams },
    responses: { 200: json("The conversation, oldest first", ConversationSchema), ...errors(404) },
  }),
);
turns.get("/:id/messages", async (c) => {
  return c.json(unwrap(await projectStub(c.env, projectId(c.req.param("id"))).conversation()));
});

/** A syntactically impossible turn id is simply an unknown turn. */
function turnIdOf(raw: string): string {
  if (!TURN_ID.test(raw)) throw new ApiError("not_found", `Turn ${JSON.stringify(raw)} not found.`);
  return raw;
}
