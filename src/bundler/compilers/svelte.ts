import type { CompilerKind } from "./compiler";

/**
 * Svelte components compiled as @sveltejs/vite-plugin-svelte compiles them for
 * `vite build`: client code, CSS injected by the component, production.
 */
export const SVELTE: CompilerKind = {
  name: "Svelte",
  package: "svelte",
  entry: `import { compile } from "svelte/compiler";
export default {
  async fetch(request) {
    const { filename, source } = await request.json();
    try {
      const result = compile(source, { filename, generate: "client", css: "injected", dev: false });
      return Response.json({ js: result.js.code, warnings: result.warnings.map((warning) => warning.message) });
    } catch (error) {
      return Response.json({ error: { message: String(error?.message ?? error), line: error?.start?.line, column: error?.start?.column } });
    }
  },
};
`,
};
