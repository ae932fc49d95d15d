import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createProject } from "./helpers";

/** A Svelte 5 app as create-vite's svelte-ts template lays it out. */
const APP = {
  "package.json": JSON.stringify({ devDependencies: { svelte: "^5.0.0", "@sveltejs/vite-plugin-svelte": "^7.0.0", vite: "^8.0.0" } }),
  "vite.config.ts":
    "import { svelte } from '@sveltejs/vite-plugin-svelte'\nimport { defineConfig } from 'vite'\n\nexport default defineConfig({ plugins: [svelte()] })\n",
  "index.html": '<div id="app"></div><script type="module" src="/src/main.ts"></script>',
  "src/main.ts":
    "import { mount } from 'svelte'\nimport App from './App.svelte'\n\nmount(App, { target: document.getElementById('app')! })\n",
  "src/App.svelte":
    '<script lang="ts">\n  import Counter from \'./lib/Counter.svelte\'\n  let name: string = "Svelte"\n</script>\n\n<h1>Hello {name}</h1>\n<Counter />\n\n<style>\n  h1 { color: tomato; }\n</style>\n',
  "src/lib/Counter.svelte":
    '<script lang="ts">\n  let count: number = $state(0)\n</script>\n\n<button onclick={() => count++}>Count is {count}</button>\n',
};

/** The page's client code: its entry's bundle (/main.js) and every module it imports from the preview, joined. */
async function clientCode(previewUrl: string, entry = "/main.js"): Promise<string> {
  const seen = new Map<string, string>();
  const visit = async (path: string) => {
    if (seen.has(path)) return;
    const code = await (await SELF.fetch(new URL(path, previewUrl))).text();
    seen.set(path, code);
    for (const [, imported] of code.matchAll(/(?:from|import)\s*["'](\/[^"']+\.js)["']/g)) await visit(imported!);
  };
  await visit(entry);
  return [...seen.values()].join("\n");
}

async function build(id: string) {
  const res = await api(`/api/projects/${id}/builds`, { method: "POST", json: {} });
  return (await res.json()) as { ok: boolean; errors: { file?: string; line?: number; message: string }[]; previewUrl: string };
}

describe("Svelte components, compiled by the project's own svelte in the sandbox", () => {
  it("builds components with TypeScript, runes and scoped styles into the client", async () => {
    const { id } = await createProject(APP);
    const result = await build(id);
    expect(result.errors).toEqual([]);
    // On the module path: each component is a module of its own, so an edit compiles only that one.
    expect(await (await SELF.fetch(new URL("/main.js", result.previewUrl))).text()).toContain("/_modules/src/App.svelte.js");
    const main = await clientCode(result.previewUrl);
    // The compiled components: Svelte's client runtime calls, the template's text, the scoped CSS injected by the component.
    expect(main).toMatch(/Hello /);
    expect(main).toMatch(/Count is /);
    expect(main).toMatch(/h1\.svelte-[a-z0-9]+ \{\s*color:\s*tomato;/);
    expect(main).toContain("append_styles");
    expect(main).not.toContain('lang="ts"');
  });

  it("reports a component's syntax error at its line", async () => {
    const { id } = await createProject({
      ...APP,
      "src/lib/Counter.svelte": "<script>\n  let count = 0\n</script>\n\n<button onclick={() => count++}>Count is {count</button>\n",
    });
    const result = await build(id);
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([expect.objectContaining({ file: "src/lib/Counter.svelte", line: 5 })]);
  });
});

/** A Vue 3 app as create-vite's vue-ts template lays it out. */
const VUE_APP = {
  "package.json": JSON.stringify({ dependencies: { vue: "^3.5.0" }, devDependencies: { "@vitejs/plugin-vue": "^6.0.0", vite: "^8.0.0" } }),
  "vite.config.ts":
    "import { defineConfig } from 'vite'\nimport vue from '@vitejs/plugin-vue'\n\nexport default defineConfig({ plugins: [vue()] })\n",
  "index.html": '<div id="app"></div><script type="module" src="/src/main.ts"></script>',
  "src/main.ts": "import { createApp } from 'vue'\nimport App from './App.vue'\n\ncreateApp(App).mount('#app')\n",
  "src/App.vue":
    '<script setup lang="ts">\nimport { ref } from \'vue\'\nimport Greeting from \'./components/Greeting.vue\'\nconst count = ref<number>(0)\n</script>\n\n<template>\n  <Greeting name="Vue" />\n  <button @click="count++">Count is {{ count }}</button>\n</template>\n\n<style scoped>\nbutton { color: tomato; }\n</style>\n',
  "src/components/Greeting.vue":
    '<script lang="ts">\nexport default { props: { name: String } }\n</script>\n\n<template>\n  <h1>Hello {{ name }}</h1>\n</template>\n',
};

describe("Vue single-file components, compiled by the project's own vue in the sandbox", () => {
  it("builds <script setup lang=ts>, a template compiled apart and scoped styles, each component a module", async () => {
    const { id } = await createProject(VUE_APP);
    const result = await build(id);
    expect(result.errors).toEqual([]);
    expect(await (await SELF.fetch(new URL("/main.js", result.previewUrl))).text()).toContain("/_modules/src/App.vue.js");
    const code = await clientCode(result.previewUrl);
    // Types are gone, the template is a render function, the styles are scoped to the component's data-v attribute.
    expect(code).not.toContain("ref<number>");
    expect(code).toMatch(/Count is /);
    expect(code).toMatch(/Hello /);
    const scope = /__scopeId = "(data-v-[0-9a-f]{8})"/.exec(code)?.[1];
    expect(scope).toBeDefined();
    expect(code).toContain(`button[${scope}]`);
  });

  it("reports a template error of a component at its line", async () => {
    const { id } = await createProject({
      ...VUE_APP,
      "src/components/Greeting.vue": "<template>\n  <h1>Hello {{ name }}</h1>\n  <p>\n</template>\n",
    });
    const result = await build(id);
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([expect.objectContaining({ file: "src/components/Greeting.vue", line: 3 })]);
  });
});

/** A Solid app as create-vite's solid-ts template lays it out: Solid's JSX compiled by vite-plugin-solid's Babel preset. */
const SOLID_APP = {
  "package.json": JSON.stringify({
    dependencies: { "solid-js": "^1.9.0" },
    devDependencies: { "vite-plugin-solid": "^2.11.0", vite: "^8.0.0" },
  }),
  "vite.config.ts":
    "import { defineConfig } from 'vite'\nimport solid from 'vite-plugin-solid'\n\nexport default defineConfig({ plugins: [solid()] })\n",
  "tsconfig.json": JSON.stringify({ compilerOptions: { jsx: "preserve", jsxImportSource: "solid-js" } }),
  "index.html": '<div id="root"></div><script type="module" src="/src/index.tsx"></script>',
  "src/index.tsx":
    "import { render } from 'solid-js/web'\nimport App from './App.tsx'\n\nrender(() => <App />, document.getElementById('root')!)\n",
  "src/App.tsx":
    "import { createSignal } from 'solid-js'\n\nexport default function App() {\n  const [count, setCount] = createSignal<number>(0)\n  return <button onClick={() => setCount((n) => n + 1)}>Count is {count()}</button>\n}\n",
};

describe("Solid's JSX, compiled by the project's own babel-preset-solid in the sandbox", () => {
  it("compiles JSX to Solid's DOM templates, not to JSX calls, each file a module", async () => {
    const { id } = await createProject(SOLID_APP);
    const result = await build(id);
    expect(result.errors).toEqual([]);
    expect(await (await SELF.fetch(new URL("/index.js", result.previewUrl))).text()).toContain("/_modules/src/App.js");
    const code = await clientCode(result.previewUrl, "/index.js");
    // babel-preset-solid's output: a cloned template and reactive inserts, with events delegated; types gone.
    expect(code).toContain("<button>Count is ");
    expect(code).toMatch(/delegateEvents\(\[\s*"click"\s*\]\)/);
    expect(code).not.toContain("jsx-runtime");
    expect(code).not.toContain("createSignal<number>");
  });

  it("without vite-plugin-solid installed, says what is missing once, with how many files needed it", async () => {
    const { id } = await createProject({
      ...SOLID_APP,
      "package.json": JSON.stringify({ dependencies: { "solid-js": "^1.9.0" } }),
      "index.html": '<div id="root"></div><script type="module" src="/src/main.ts"></script>',
      "src/main.ts": "import App from './App.tsx'\nimport Other from './Other.tsx'\nconsole.log(App, Other)\n",
      "src/Other.tsx": "export default function Other() {\n  return <p>other</p>\n}\n",
    });
    const result = await build(id);
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      {
        file: "src/main.ts",
        line: 1,
        column: 17,
        message:
          'Solid\'s JSX needs the "babel-preset-solid" package, which vite-plugin-solid brings: add vite-plugin-solid to devDependencies in package.json.',
        count: 2,
      },
    ]);
  });

  it("reports a JSX syntax error at its line", async () => {
    const { id } = await createProject({
      ...SOLID_APP,
      "src/App.tsx": "export default function App() {\n  return (\n    <div>\n      <p>unclosed\n    </div>\n  )\n}\n",
    });
    const result = await build(id);
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([expect.objectContaining({ file: "src/App.tsx", line: 5 })]);
  });
});
