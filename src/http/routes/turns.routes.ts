import { createRoute, z } from "@hono/zod-openapi";
import { ChatBody, ConversationSchema, ProjectParams, TurnListSchema, TurnParams, TurnSchema } from "../schemas";
import { errors, json, jsonBody } from "./openapi-helpers";

// The routes of turns.ts; free of server code, so the playground takes its types from them.

const PlainError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const chat = createRoute({
  method: "post",
  path: "/{id}/chat",
  summary: "Start an agent turn on the draft: the agent edits, builds and tests, then commits one version",
  request: { params: ProjectParams, body: jsonBody(ChatBody) },
  responses: {
    202: json("The turn started; follow eventsUrl", z.object({ turnId: z.string(), eventsUrl: z.string() })),
    409: json("A turn is running (`turn_in_progress`)", PlainError),
    503: json("No model is configured (`model_not_configured`)", PlainError),
    ...errors(400, 404),
  },
});

export const turnEvents = createRoute({
  method: "get",
  path: "/{id}/turns/{turnId}/events",
  summary: "The turn's events as Server-Sent Events: replayed from the start (or after Last-Event-ID), open until turn.finished",
  request: { params: TurnParams },
  responses: {
    200: { description: "text/event-stream", content: { "text/event-stream": { schema: z.string() } } },
    204: { description: "The turn has finished and has no events after Last-Event-ID (EventSource stops reconnecting on 204)" },
    ...errors(404),
  },
});

export const listTurns = createRoute({
  method: "get",
  path: "/{id}/turns",
  summary: "The project's turns, newest first",
  request: { params: ProjectParams },
  responses: { 200: json("Turns", TurnListSchema), ...errors(404) },
});

export const getTurn = createRoute({
  method: "get",
  path: "/{id}/turns/{turnId}",
  summary: "One turn: status, usage and the version it made",
  request: { params: TurnParams },
  responses: { 200: json("The turn", TurnSchema), ...errors(404) },
});

export const cancelTurn = createRoute({
  method: "post",
  path: "/{id}/turns/{turnId}/cancel",
  summary: "Stop a running turn at its next safe point (it still commits what it did)",
  request: { params: TurnParams },
  responses: { 202: json("Cancellation requested", TurnSchema), ...errors(404) },
});

export const getMessages = createRoute({
  method: "get",
  path: "/{id}/messages",
  summary: "The conversation: requests, assistant text, and one line per tool call with its outcome",
  request: { params: ProjectParams },
  responses: { 200: json("The conversation, oldest first", ConversationSchema), ...errors(404) },
});
