import type { StreamedMessage } from "./message-stream";

/** Says, in every replayed session, that no model was called. */
export const REPLAY_MARK = "replay of a recorded session";

export const REPLAY_DONE =
  `(This is the built-in replay model: it holds one recorded session, a todo list, which this project has played already. ` +
  `Set ANTHROPIC_API_KEY (and unset MODEL=replay) to work with a real model.)`;

const SERVER = `import { Hono } from "hono";

type Todo = { id: string; title: string; done: boolean };
type Bindings = { KV: { get(key: string, type: "json"): Promise<unknown>; put(key: string, value: string): Promise<void> } };

const app = new Hono<{ Bindings: Bindings }>();

const load = async (env: Bindings) => ((await env.KV.get("todos", "json")) as Todo[] | null) ?? [];
const save = (env: Bindings, todos: Todo[]) => env.KV.put("todos", JSON.stringify(todos));

app.get("/api/hello", (c) => c.json({ message: "Hello from the server" }));

app.get("/api/todos", async (c) => c.json(await load(c.env)));

app.post("/api/todos", async (c) => {
  const { title } = await c.req.json<{ title?: string }>().catch(() => ({ title: undefined }));
  if (!title?.trim()) return c.json({ error: "title is required" }, 400);
  const todo: Todo = { id: crypto.randomUUID(), title: title.trim(), done: false };
  await save(c.env, [...(await load(c.env)), todo]);
  return c.json(todo, 201);
});

app.patch("/api/todos/:id", async (c) => {
  const { done } = await c.req.json<{ done?: boolean }>();
  const todos = await load(c.env);
  const todo = todos.find((t) => t.id === c.req.param("id"));
  if (!todo) return c.json({ error: "no such todo" }, 404);
  todo.done = Boolean(done);
  await save(c.env, todos);
  return c.json(todo);
});

app.delete("/api/todos/:id", async (c) => {
  const todos = await load(c.env);
  const rest = todos.filter((t) => t.id !== c.req.param("id"));
  if (rest.length === todos.length) return c.json({ error: "no such todo" }, 404);
  await save(c.env, rest);
  return c.body(null, 204);
});

export default app;
`;

const TEST = `import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const json = (body: unknown) => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

describe("todos", () => {
  it("adds, lists, completes and deletes a todo", async () => {
    expect(await (await SELF.fetch("http://app/api/todos")).json()).toEqual([]);
    const created = await SELF.fetch("http://app/api/todos", json({ title: "Write tests" }));
    expect(created.status).toBe(201);
    const todo = (await created.json()) as { id: string; title: string; done: boolean };
    expect(todo).toMatchObject({ title: "Write tests", done: false });
    const done = await SELF.fetch(\`http://app/api/todos/\${todo.id}\`, { ...json({ done: true }), method: "PATCH" });
    expect(await done.json()).toEqual({ ...todo, done: true });
    expect(await (await SELF.fetch("http://app/api/todos")).json()).toEqual([{ ...todo, done: true }]);
    expect((await SELF.fetch(\`http://app/api/todos/\${todo.id}\`, { method: "DELETE" })).status).toBe(204);
    expect(await (await SELF.fetch("http://app/api/todos")).json()).toEqual([]);
  });

  it("refuses a todo without a title", async () => {
    const res = await SELF.fetch("http://app/api/todos", json({ title: "  " }));
    expect(res.status).toBe(400);
  });
});
`;

const APP = `import { useEffect, useState, type FormEvent } from "react";

type Todo = { id: string; title: string; done: boolean };

export function App() {
  const [todos, setTodos] = useState<Todo[]>([]);
  const [title, setTitle] = useState("");

  const refresh = () =>
    fetch("/api/todos")
      .then((res) => res.json() as Promise<Todo[]>)
      .then(setTodos);

  useEffect(() => {
    void refresh();
  }, []);

  async function add(event: FormEvent) {
    event.preventDefault();
    if (!title.trim()) return;
    await fetch("/api/todos", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ title }) });
    setTitle("");
    await refresh();
  }

  async function toggle(todo: Todo) {
    await fetch(\`/api/todos/\${todo.id}\`, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ done: !todo.done }) });
    await refresh();
  }

  async function remove(todo: Todo) {
    await fetch(\`/api/todos/\${todo.id}\`, { method: "DELETE" });
    await refresh();
  }

  return (
    <main className="app">
      <h1>Todos</h1>
      <form onSubmit={add}>
        <input aria-label="New todo" value={title} onChange={(event) => setTitle(event.target.value)} placeholder="What needs doing?" />
        <button type="submit">Add</button>
      </form>
      <ul>
        {todos.map((todo) => (
          <li key={todo.id}>
            <label>
              <input type="checkbox" checked={todo.done} onChange={() => toggle(todo)} />
              <span style={{ textDecoration: todo.done ? "line-through" : "none" }}>{todo.title}</span>
            </label>
            <button onClick={() => remove(todo)} aria-label={\`Delete \${todo.title}\`}>×</button>
          </li>
        ))}
      </ul>
      {todos.length === 0 && <p>Nothing to do.</p>}
    </main>
  );
}
`;

const editor = (id: string, input: Record<string, unknown>) => ({
  type: "tool_use" as const,
  id,
  name: "str_replace_based_edit_tool",
  input,
});
const text = (value: string) => ({ type: "text" as const, text: value });

/**
 * The recorded session, one assistant message per step: it turns the
 * starter app into a todo list (a Hono API on env.KV, a React UI, a test)
 * through the real tools, then checks it with build_and_test.
 */
export const REPLAY_SESSION: StreamedMessage["content"][] = [
  [
    text(
      `(This is a ${REPLAY_MARK}, played by the built-in replay model: no model is called.) I'll turn the starter into a todo list. First, the project's files.`,
    ),
    editor("toolu_replay01view", { command: "view", path: "/" }),
  ],
  [
    text("Let me read the server and the page."),
    editor("toolu_replay02srv", { command: "view", path: "src/server.ts" }),
    editor("toolu_replay03app", { command: "view", path: "src/App.tsx" }),
  ],
  [
    text("The server gets a todo API stored in env.KV, and a test for it."),
    editor("toolu_replay04srv", { command: "create", path: "src/server.ts", file_text: SERVER }),
    editor("toolu_replay05tst", { command: "create", path: "test/todos.test.ts", file_text: TEST }),
  ],
  [
    text(
      "Now the page: a form, the list, toggling and deleting. The KV binding goes into wrangler.toml so the tests also run under the Workers Vitest integration.",
    ),
    editor("toolu_replay06app", { command: "create", path: "src/App.tsx", file_text: APP }),
    editor("toolu_replay07cfg", {
      command: "str_replace",
      path: "wrangler.toml",
      old_str: 'compatibility_date = "2026-04-26"',
      new_str: 'compatibility_date = "2026-04-26"\n\n[[kv_namespaces]]\nbinding = "KV"\nid = "todos"',
    }),
  ],
  [text("Building and running the tests."), { type: "tool_use", id: "toolu_replay08bat", name: "build_and_test", input: {} }],
  [
    text(
      "Done: the app is a todo list. The server has GET/POST /api/todos and PATCH/DELETE /api/todos/:id, kept in env.KV; " +
        "the page lists todos, adds them, ticks them off and deletes them; test/todos.test.ts covers the API. " +
        `Open the preview to try it. (${REPLAY_MARK[0]!.toUpperCase()}${REPLAY_MARK.slice(1)}: no model was called.)`,
    ),
  ],
];
