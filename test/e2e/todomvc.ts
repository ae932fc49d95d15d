import type { Page } from "playwright-core";

/**
 * A React TodoMVC written for these tests, laid out as Vite projects are: the
 * TodoMVC stylesheet from its npm package, a CommonJS helper (classnames),
 * routes in the URL's hash, the list kept in localStorage.
 */
export const TODOMVC: Record<string, string> = {
  "package.json": JSON.stringify({
    name: "todomvc-react",
    private: true,
    type: "module",
    scripts: { dev: "vite", build: "vite build" },
    dependencies: { classnames: "^2.5.0", react: "^19.0.0", "react-dom": "^19.0.0", "todomvc-app-css": "^2.4.0" },
    devDependencies: { "@vitejs/plugin-react": "^6.0.0", typescript: "~5.9.0", vite: "^8.0.0" },
  }),
  "vite.config.ts":
    "import { defineConfig } from 'vite'\nimport react from '@vitejs/plugin-react'\n\nexport default defineConfig({ plugins: [react()] })\n",
  "tsconfig.json": JSON.stringify({ compilerOptions: { jsx: "react-jsx", strict: true, module: "esnext", moduleResolution: "bundler" } }),
  "index.html":
    '<!doctype html>\n<html lang="en">\n  <head><meta charset="utf-8" /><title>TodoMVC</title></head>\n  <body>\n    <section class="todoapp" id="root"></section>\n    <footer class="info"><p>Double-click to edit a todo</p></footer>\n    <script type="module" src="/src/main.tsx"></script>\n  </body>\n</html>\n',
  "src/main.tsx":
    "import 'todomvc-app-css/index.css'\nimport { createRoot } from 'react-dom/client'\nimport { App } from './App'\n\ncreateRoot(document.getElementById('root')!).render(<App />)\n",
  "src/todos.ts": `export interface Todo { id: string; title: string; completed: boolean }

export type Action =
  | { type: "add"; title: string }
  | { type: "toggle"; id: string }
  | { type: "toggleAll"; completed: boolean }
  | { type: "edit"; id: string; title: string }
  | { type: "remove"; id: string }
  | { type: "clearCompleted" };

const KEY = "todos-react";

export function load(): Todo[] {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? "[]") as Todo[];
  } catch {
    return [];
  }
}

export function save(todos: Todo[]): void {
  localStorage.setItem(KEY, JSON.stringify(todos));
}

export function reducer(todos: Todo[], action: Action): Todo[] {
  switch (action.type) {
    case "add":
      return [...todos, { id: crypto.randomUUID(), title: action.title, completed: false }];
    case "toggle":
      return todos.map((todo) => (todo.id === action.id ? { ...todo, completed: !todo.completed } : todo));
    case "toggleAll":
      return todos.map((todo) => ({ ...todo, completed: action.completed }));
    case "edit":
      return todos.map((todo) => (todo.id === action.id ? { ...todo, title: action.title } : todo));
    case "remove":
      return todos.filter((todo) => todo.id !== action.id);
    case "clearCompleted":
      return todos.filter((todo) => !todo.completed);
  }
}
`,
  "src/useRoute.ts": `import { useSyncExternalStore } from "react";

export type Route = "all" | "active" | "completed";

const subscribe = (changed: () => void) => {
  window.addEventListener("hashchange", changed);
  return () => window.removeEventListener("hashchange", changed);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return hash === "#/active" ? "active" : hash === "#/completed" ? "completed" : "all";
}
`,
  "src/Item.tsx": `import { useState } from "react";
import classNames from "classnames";
import type { Action, Todo } from "./todos";

export function Item({ todo, dispatch }: { todo: Todo; dispatch: (action: Action) => void }) {
  const [editing, setEditing] = useState(false);
  const finish = (title: string) => {
    setEditing(false);
    const trimmed = title.trim();
    dispatch(trimmed ? { type: "edit", id: todo.id, title: trimmed } : { type: "remove", id: todo.id });
  };
  return (
    <li className={classNames({ completed: todo.completed, editing })}>
      <div className="view">
        <input className="toggle" type="checkbox" checked={todo.completed} onChange={() => dispatch({ type: "toggle", id: todo.id })} />
        <label onDoubleClick={() => setEditing(true)}>{todo.title}</label>
        <button className="destroy" onClick={() => dispatch({ type: "remove", id: todo.id })} />
      </div>
      {editing && (
        <input
          className="edit"
          autoFocus
          defaultValue={todo.title}
          onBlur={(event) => finish(event.currentTarget.value)}
          onKeyDown={(event) => event.key === "Enter" && finish(event.currentTarget.value)}
        />
      )}
    </li>
  );
}
`,
  "src/App.tsx": `import { useEffect, useReducer } from "react";
import classNames from "classnames";
import { Item } from "./Item";
import { load, reducer, save } from "./todos";
import { useRoute, type Route } from "./useRoute";

const FILTERS: [Route, string, string][] = [["all", "#/", "All"], ["active", "#/active", "Active"], ["completed", "#/completed", "Completed"]];

export function App() {
  const [todos, dispatch] = useReducer(reducer, undefined, load);
  const route = useRoute();
  useEffect(() => save(todos), [todos]);
  const shown = todos.filter((todo) => (route === "active" ? !todo.completed : route === "completed" ? todo.completed : true));
  const left = todos.filter((todo) => !todo.completed).length;
  return (
    <>
      <header className="header">
        <h1>todos</h1>
        <input
          className="new-todo"
          placeholder="What needs to be done?"
          autoFocus
          onKeyDown={(event) => {
            const title = event.currentTarget.value.trim();
            if (event.key !== "Enter" || !title) return;
            dispatch({ type: "add", title });
            event.currentTarget.value = "";
          }}
        />
      </header>
      {todos.length > 0 && (
        <>
          <main className="main">
            <div className="toggle-all-container">
              <input id="toggle-all" className="toggle-all" type="checkbox" checked={left === 0} onChange={(event) => dispatch({ type: "toggleAll", completed: event.currentTarget.checked })} />
              <label htmlFor="toggle-all">Mark all as complete</label>
            </div>
            <ul className="todo-list">
              {shown.map((todo) => <Item key={todo.id} todo={todo} dispatch={dispatch} />)}
            </ul>
          </main>
          <footer className="footer">
            <span className="todo-count"><strong>{left}</strong> {left === 1 ? "item" : "items"} left</span>
            <ul className="filters">
              {FILTERS.map(([name, href, label]) => (
                <li key={name}><a className={classNames({ selected: route === name })} href={href}>{label}</a></li>
              ))}
            </ul>
            {todos.length > left && <button className="clear-completed" onClick={() => dispatch({ type: "clearCompleted" })}>Clear completed</button>}
          </footer>
        </>
      )}
    </>
  );
}
`,
};

/**
 * A person using the app: three todos added, one done, the Active filter, a
 * reload, an edit by double-click, the completed cleared. What the page shows
 * after each step.
 */
export async function driveTodoMvc(page: Page, url: string) {
  const view = () =>
    page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { body: { innerText: string }; querySelector(s: string): unknown } }).document;
      const styleOf = (selector: string) => {
        const element = doc.querySelector(selector);
        if (!element) return null;
        const style = (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(element);
        return {
          color: style.color,
          fontSize: style.fontSize,
          background: style.backgroundColor,
          textDecoration: style.textDecorationLine,
        };
      };
      // biome-ignore lint/performance/useDomNodeTextContent: the text as laid out is what a person sees.
      const text = doc.body.innerText;
      return { text, h1: styleOf(".todoapp h1"), app: styleOf(".todoapp"), done: styleOf(".todo-list li.completed label") };
    });
  const steps: Awaited<ReturnType<typeof view>>[] = [];
  await page.goto(url, { waitUntil: "networkidle" });
  const input = page.locator(".new-todo");
  await input.waitFor();
  for (const title of ["Buy milk", "Write tests", "Ship it"]) {
    await input.fill(title);
    await input.press("Enter");
  }
  await page.locator(".todo-list li").nth(1).locator(".toggle").check();
  steps.push(await view());
  await page.locator(".filters a", { hasText: "Active" }).click();
  await page.waitForFunction(() => (globalThis as unknown as { location: { hash: string } }).location.hash === "#/active");
  steps.push(await view());
  await page.reload({ waitUntil: "networkidle" });
  await page.locator(".todo-list li").first().waitFor();
  steps.push(await view());
  await page.locator(".filters a", { hasText: "All" }).click();
  await page.locator(".todo-list li label").first().dblclick();
  await page.locator(".todo-list li .edit").fill("Buy oat milk");
  await page.locator(".todo-list li .edit").press("Enter");
  await page.locator(".clear-completed").click();
  steps.push(await view());
  return steps;
}
