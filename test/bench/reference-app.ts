/**
 * The benchmark's reference app: a React client and a Hono server in 16
 * files, the size of a small generated app. `edit(i)` changes one file so
 * that the preview shows `marker(i)`.
 */
export const REFERENCE_APP: Record<string, string> = {
  "package.json": JSON.stringify(
    { name: "todo", private: true, type: "module", dependencies: { hono: "^4.13.0", react: "^19.2.0", "react-dom": "^19.2.0" } },
    null,
    2,
  ),
  "wrangler.toml": 'name = "todo"\nmain = "src/server.ts"\ncompatibility_date = "2026-04-26"\n',
  "tsconfig.json": JSON.stringify({ compilerOptions: { jsx: "react-jsx", strict: true, module: "es2022", target: "es2022" } }, null, 2),
  "index.html":
    '<!doctype html>\n<html lang="en">\n  <head><meta charset="UTF-8" /><title>Todo</title></head>\n  <body>\n    <div id="root"></div>\n    <script type="module" src="/src/main.tsx"></script>\n  </body>\n</html>\n',
  "public/robots.txt": "User-agent: *\nAllow: /\n",
  "src/server.ts":
    'import { Hono } from "hono";\nimport { health } from "./routes/health";\nimport { todos } from "./routes/todos";\n\nconst app = new Hono();\napp.route("/api/health", health);\napp.route("/api/todos", todos);\napp.get("/api/hello", (c) => c.json({ message: "hello 0" }));\nexport default app;\n',
  "src/routes/health.ts": 'import { Hono } from "hono";\n\nexport const health = new Hono().get("/", (c) => c.json({ ok: true }));\n',
  "src/routes/todos.ts":
    'import { Hono } from "hono";\nimport { addTodo, listTodos } from "../lib/store";\n\nexport const todos = new Hono()\n  .get("/", async (c) => c.json(await listTodos(c.env)))\n  .post("/", async (c) => c.json(await addTodo(c.env, (await c.req.json()).title), 201));\n',
  "src/lib/store.ts":
    'export type Todo = { id: string; title: string; done: boolean };\ntype Env = { KV: { get(k: string): Promise<string | null>; put(k: string, v: string): Promise<void> } };\n\nexport async function listTodos(env: Env): Promise<Todo[]> {\n  return JSON.parse((await env.KV.get("todos")) ?? "[]");\n}\n\nexport async function addTodo(env: Env, title: string): Promise<Todo> {\n  const todo = { id: crypto.randomUUID(), title, done: false };\n  await env.KV.put("todos", JSON.stringify([...(await listTodos(env)), todo]));\n  return todo;\n}\n',
  "src/main.tsx":
    'import { StrictMode } from "react";\nimport { createRoot } from "react-dom/client";\nimport { App } from "./App";\nimport "./styles.css";\n\ncreateRoot(document.getElementById("root")!).render(<StrictMode><App /></StrictMode>);\n',
  "src/App.tsx":
    'import { Header } from "./components/Header";\nimport { TodoList } from "./components/TodoList";\n\nexport function App() {\n  return (\n    <main>\n      <Header title="client 0" />\n      <TodoList />\n    </main>\n  );\n}\n',
  "src/components/Header.tsx": 'export function Header({ title }: { title: string }) {\n  return <h1 className="header">{title}</h1>;\n}\n',
  "src/components/TodoList.tsx":
    'import { useEffect, useState } from "react";\nimport { TodoItem } from "./TodoItem";\nimport type { Todo } from "../lib/store";\n\nexport function TodoList() {\n  const [todos, setTodos] = useState<Todo[]>([]);\n  useEffect(() => {\n    fetch("/api/todos").then((r) => r.json() as Promise<Todo[]>).then(setTodos);\n  }, []);\n  return <ul>{todos.map((t) => <TodoItem key={t.id} todo={t} />)}</ul>;\n}\n',
  "src/components/TodoItem.tsx":
    'import type { Todo } from "../lib/store";\n\nexport function TodoItem({ todo }: { todo: Todo }) {\n  return <li className={todo.done ? "done" : ""}>{todo.title}</li>;\n}\n',
  "src/styles.css":
    "body { font-family: system-ui, sans-serif; margin: 2rem; }\n.header { color: #333; }\n.done { text-decoration: line-through; }\n",
  "test/server.test.ts":
    'import { SELF } from "cloudflare:test";\nimport { expect, it } from "vitest";\n\nit("says hello", async () => {\n  const res = await SELF.fetch("http://x/api/hello");\n  expect(res.status).toBe(200);\n});\n',
};

export const marker = (i: number) => `edit ${i}`;

/** Even edits change the server, odd ones a client component. Returns the change and where the preview shows it. */
export function edit(i: number): { side: "server" | "client"; path: string; content: string; check: { path: string; contains: string } } {
  if (i % 2 === 0) {
    return {
      side: "server",
      path: "src/server.ts",
      content: REFERENCE_APP["src/server.ts"]!.replace('"hello 0"', JSON.stringify(marker(i))),
      check: { path: "/api/hello", contains: marker(i) },
    };
  }
  return {
    side: "client",
    path: "src/App.tsx",
    content: REFERENCE_APP["src/App.tsx"]!.replace('"client 0"', JSON.stringify(marker(i))),
    check: { path: "/_modules/src/App.js", contains: marker(i) },
  };
}

/** A Svelte front end of the same shape (create-vite's svelte-ts layout): its component edits are measured beside React's. */
export const SVELTE_APP: Record<string, string> = {
  "package.json": JSON.stringify({ devDependencies: { svelte: "^5.0.0", "@sveltejs/vite-plugin-svelte": "^7.0.0", vite: "^8.0.0" } }),
  "vite.config.ts":
    "import { svelte } from '@sveltejs/vite-plugin-svelte'\nimport { defineConfig } from 'vite'\n\nexport default defineConfig({ plugins: [svelte()] })\n",
  "index.html": '<!doctype html><html><body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>',
  "src/main.ts":
    "import { mount } from 'svelte'\nimport App from './App.svelte'\n\nmount(App, { target: document.getElementById('app')! })\n",
  "src/App.svelte":
    "<script lang=\"ts\">\n  import Header from './lib/Header.svelte'\n  import TodoList from './lib/TodoList.svelte'\n</script>\n\n<main>\n  <Header title=\"svelte 0\" />\n  <TodoList />\n</main>\n\n<style>\n  main { max-width: 40rem; margin: 0 auto; }\n</style>\n",
  "src/lib/Header.svelte":
    '<script lang="ts">\n  let { title }: { title: string } = $props()\n</script>\n\n<h1 class="header">{title}</h1>\n',
  "src/lib/TodoList.svelte":
    '<script lang="ts">\n  type Todo = { id: string; title: string; done: boolean }\n  let todos: Todo[] = $state([])\n  $effect(() => {\n    fetch("/api/todos").then((r) => r.json()).then((list: Todo[]) => (todos = list))\n  })\n</script>\n\n<ul>\n  {#each todos as todo (todo.id)}\n    <li class:done={todo.done}>{todo.title}</li>\n  {/each}\n</ul>\n',
};

/** The i-th edit of the Svelte app's root component, and where its preview shows it. */
export function svelteEdit(i: number): { path: string; content: string; check: { path: string; contains: string } } {
  return {
    path: "src/App.svelte",
    content: SVELTE_APP["src/App.svelte"]!.replace('"svelte 0"', JSON.stringify(marker(i))),
    check: { path: "/_modules/src/App.svelte.js", contains: marker(i) },
  };
}
