import { useEffect, useRef, useState } from "react";
import { api, ApiError, type ConversationEntry, type Project, type ServerInfo } from "./api";

/** One line of the chat log, from the conversation or from a live turn's events. */
type Line =
  | { kind: "user" | "assistant"; text: string }
  | { kind: "tool"; id: string; name: string; input: unknown; ok: boolean | null; summary: string }
  | { kind: "note"; tone: "info" | "error" | "ok"; text: string; detail?: string[] };

/**
 * The fields of the turn's events (docs/api.md, Agent turns); each event carries some of them. Kept here:
 * the server's route definitions describe the stream only as text/event-stream.
 */
interface EventData {
  message: string;
  delta: string;
  attempt: number;
  reason: string;
  delayMs: number;
  id: string;
  name: string;
  input: unknown;
  ok: boolean;
  summary: string;
  errors: { file?: string; line?: number; column?: number; message: string }[];
  passed: number;
  failed: number;
  failures: { name: string; error: string }[];
  status: string;
  version?: number;
  usage: { inputTokens: number; outputTokens: number; modelCalls: number };
  error?: string;
}

const EVENTS = [
  "turn.started",
  "turn.resumed",
  "model.text",
  "model.retry",
  "tool.started",
  "tool.finished",
  "build.finished",
  "test.finished",
  "preview.ready",
  "version.created",
  "turn.finished",
];

interface Props {
  project: Project;
  info: ServerInfo | null;
  onVersion(): void;
  onRunning(running: boolean): void;
  onError(error: unknown): void;
}

export function Chat({ project, info, onVersion, onRunning, onError }: Props) {
  const [lines, setLines] = useState<Line[]>([]);
  const [status, setStatus] = useState<{ turnId?: string; text: string; running: boolean }>({ text: "idle", running: false });
  const [draft, setDraft] = useState("");
  const log = useRef<HTMLOListElement>(null);
  const source = useRef<EventSource | null>(null);
  const mounted = useRef(true);

  // The conversation so far; a running turn is then followed from its events (a reload picks it up again).
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per project: a reloaded project (its turn's status), a new follow or onError must not fetch the conversation again and re-follow the turn.
  useEffect(() => {
    mounted.current = true;
    api.messages(project.id).then(({ messages }) => {
      if (!mounted.current) return;
      const running = project.turn?.status === "running" ? project.turn.id : undefined;
      setLines(messages.filter((entry) => entry.turnId !== running).map(toLine));
      if (running) void follow(running);
    }, onError);
    return () => {
      mounted.current = false;
      source.current?.close();
    };
  }, [project.id]);

  // A block body: scrollIntoView returns a promise in current Chromium, which React would take for a cleanup.
  // biome-ignore lint/correctness/useExhaustiveDependencies: lines is the trigger: each new or grown line scrolls the log to its end (the effect reads the DOM, not lines).
  useEffect(() => {
    log.current?.lastElementChild?.scrollIntoView({ block: "end" });
  }, [lines]);

  /** Follows a turn's event stream (its eventsUrl carries the stream's own token when the server has one). */
  async function follow(turnId: string, eventsUrl?: string) {
    const url = eventsUrl ?? (await api.turn(project.id, turnId).catch(onError))?.eventsUrl;
    if (!url || !mounted.current) return;
    source.current?.close();
    setStatus({ turnId, text: "running", running: true });
    onRunning(true);
    const events = new EventSource(url);
    source.current = events;
    // After turn.finished the server ends the stream; only then is EventSource's reconnect stopped
    // (while the turn runs, reconnecting with Last-Event-ID is what survives a server restart).
    let finished = false;
    events.addEventListener("turn.finished", () => (finished = true));
    events.addEventListener("error", () => {
      if (finished) return events.close();
      // An HTTP error closes the stream for good (a dropped connection only reconnects): say how the turn stands.
      if (events.readyState !== EventSource.CLOSED) return;
      api.turn(project.id, turnId).then(
        (turn) => {
          setLines((current) => [
            ...current,
            { kind: "note", tone: "error", text: `The event stream closed; the turn is ${turn.status}.` },
          ]);
          setStatus({ turnId, text: turn.status, running: turn.status === "running" });
          onRunning(turn.status === "running");
        },
        (error) => {
          setStatus({ turnId, text: "unknown", running: false });
          onRunning(false);
          onError(error);
        },
      );
    });
    for (const name of EVENTS)
      events.addEventListener(name, (event) => apply(name, JSON.parse((event as MessageEvent<string>).data) as EventData, turnId));
  }

  function apply(name: string, data: EventData, turnId: string) {
    const add = (line: Line) => setLines((current) => [...current, line]);
    switch (name) {
      case "turn.started":
        return add({ kind: "user", text: data.message });
      case "turn.resumed":
        return add({ kind: "note", tone: "info", text: "The server restarted; the turn goes on from its last step." });
      case "model.text":
        return setLines((current) => {
          const last = current.at(-1);
          return last?.kind === "assistant"
            ? [...current.slice(0, -1), { ...last, text: last.text + data.delta }]
            : [...current, { kind: "assistant", text: data.delta }];
        });
      case "model.retry":
        return add({
          kind: "note",
          tone: "info",
          text: `Retrying the model (attempt ${data.attempt}, ${data.reason}) in ${Math.round(Number(data.delayMs) / 100) / 10} s`,
        });
      case "tool.started":
        return add({ kind: "tool", id: data.id, name: data.name, input: data.input, ok: null, summary: "running…" });
      case "tool.finished":
        return setLines((current) =>
          current.map((line) => (line.kind === "tool" && line.id === data.id ? { ...line, ok: data.ok, summary: data.summary } : line)),
        );
      case "build.finished": {
        const errors = data.errors;
        return add({
          kind: "note",
          tone: data.ok ? "ok" : "error",
          text: data.ok ? "Build passed" : `Build failed (${errors.length} error${errors.length === 1 ? "" : "s"})`,
          detail: errors.map((error) => `${[error.file, error.line, error.column].filter(Boolean).join(":")} ${error.message}`),
        });
      }
      case "test.finished": {
        const failures = data.failures;
        return add({
          kind: "note",
          tone: data.failed ? "error" : "ok",
          text: `Tests: ${data.passed} passed, ${data.failed} failed`,
          detail: failures.map((f) => `${f.name}: ${f.error}`),
        });
      }
      case "preview.ready":
      case "version.created":
        return onVersion();
      case "turn.finished": {
        const usage = data.usage;
        const text = `${data.status}${data.version ? ` · version ${data.version}` : ""} · ${usage.modelCalls} model calls, ${usage.inputTokens} in / ${usage.outputTokens} out tokens`;
        setStatus({ turnId, text, running: false });
        if (data.error) add({ kind: "note", tone: "error", text: data.error });
        onRunning(false);
        return onVersion();
      }
    }
  }

  async function send() {
    const message = draft.trim();
    if (!message || status.running) return;
    try {
      const { turnId, eventsUrl } = await api.chat(project.id, message);
      setDraft("");
      await follow(turnId, eventsUrl);
    } catch (error) {
      // Another turn is running (another tab, say): follow that one.
      if (error instanceof ApiError && error.code === "turn_in_progress" && typeof error.details.turnId === "string")
        await follow(error.details.turnId);
      else onError(error);
    }
  }

  return (
    <section className="chat">
      <ol className="chat-log" data-testid="chat-log" ref={log}>
        {lines.map((line, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines are only appended (or the last one grown) in order and most have no identity of their own.
          <ChatLine key={index} line={line} />
        ))}
      </ol>
      <div className="turn">
        <span data-testid="turn-status" className={status.running ? "running" : ""}>
          {status.running ? "Turn running…" : `Last turn: ${status.text}`}
        </span>
        {status.running && status.turnId && (
          <button type="button" data-testid="turn-cancel" onClick={() => api.cancel(project.id, status.turnId!).catch(onError)}>
            Cancel
          </button>
        )}
      </div>
      <textarea
        data-testid="chat-input"
        placeholder={info?.model ? "Ask for a change (Enter sends, Shift+Enter for a new line)" : "No model is configured (see above)"}
        value={draft}
        disabled={status.running}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey) {
            event.preventDefault();
            void send();
          }
        }}
      />
      <button type="button" data-testid="chat-send" disabled={status.running || !draft.trim()} onClick={() => void send()}>
        Send
      </button>
    </section>
  );
}

function toLine(entry: ConversationEntry): Line {
  return entry.role === "tool"
    ? { kind: "tool", id: entry.id, name: entry.name, input: entry.input, ok: entry.ok, summary: entry.summary }
    : { kind: entry.role, text: entry.text };
}

function ChatLine({ line }: { line: Line }) {
  switch (line.kind) {
    case "user":
    case "assistant":
      return <li className={line.kind}>{line.text}</li>;
    case "note":
      return (
        <li className={`note ${line.tone}`}>
          {line.text}
          {line.detail && line.detail.length > 0 && (
            <ul>
              {line.detail.map((item, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the details of one event, rendered whole once; items may repeat and have no identity.
                <li key={index}>
                  <code>{item}</code>
                </li>
              ))}
            </ul>
          )}
        </li>
      );
    case "tool":
      return (
        <li className={`tool ${line.ok === null ? "pending" : line.ok ? "ok" : "failed"}`}>
          <details>
            <summary>
              <code>{line.name === "str_replace_based_edit_tool" ? "editor" : line.name}</code> {line.summary}
            </summary>
            <pre>{JSON.stringify(line.input, null, 2)}</pre>
          </details>
        </li>
      );
  }
}
