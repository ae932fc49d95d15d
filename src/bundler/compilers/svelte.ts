import { InMemoryFileSystem } from "@cloudflare/worker-bundler";
import { hashBytes } from "../../store";
import type { BuildError, VendorCache } from "../interface";
import { bundleSide } from "../pipeline/bundle";
import { BuildFailure } from "../pipeline/failure";
import { importsPlugin, type Unresolved } from "../pipeline/imports";

/**
 * Runs a compiler in the sandbox, never on the host: the compiler is the
 * project's own installed package (npm code, as hostile as the app), loaded
 * as a worker with no bindings and no network. `worker.id` names the code;
 * the answer is the worker's JSON.
 */
export type SandboxCompile = (worker: { id: string; code: string; subject: string }, body: unknown) => Promise<unknown>;

/** The compiler's worker: `svelte/compiler` from the project's node_modules, behind a fetch handler. */
const ENTRY = `import { compile } from "svelte/compiler";
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
`;

/** Compiled components by compiler and source, shared by the projects of this isolate (an edit compiles only what changed). */
const compiled = new Map<string, Promise<SvelteOutput>>();
const COMPILED_KEPT = 512;

export type SvelteOutput = { js: string; warnings: string[] } | { error: BuildError };

/**
 * Svelte components compiled as @sveltejs/vite-plugin-svelte compiles them
 * for `vite build` (client code, CSS injected by the component, production),
 * by the `svelte` the project installed. Its compiler is bundled once per
 * dependency set and kept with the set's vendor bundles.
 */
export class SvelteCompiler {
  private bundle?: Promise<{ id: string; code: string }>;

  constructor(
    private readonly options: {
      dependencies: Record<string, string>;
      dependencyKey: string;
      vendors: VendorCache;
      compile: SandboxCompile;
    },
  ) {}

  compile(filename: string, source: string): Promise<SvelteOutput> {
    const key = hashBytes(new TextEncoder().encode(JSON.stringify([this.options.dependencyKey, filename, source])));
    let result = compiled.get(key);
    if (!result) {
      result = this.run(filename, source);
      compiled.set(key, result);
      result.catch(() => compiled.delete(key));
      if (compiled.size > COMPILED_KEPT) compiled.delete(compiled.keys().next().value!);
    }
    return result;
  }

  private async run(filename: string, source: string): Promise<SvelteOutput> {
    this.bundle ??= this.compilerBundle();
    const worker = await this.bundle;
    const answer = (await this.options.compile({ ...worker, subject: "The Svelte compiler" }, { filename, source })) as {
      js?: unknown;
      warnings?: unknown;
      error?: { message?: unknown; line?: unknown; column?: unknown };
    };
    if (answer.error) {
      const { message, line, column } = answer.error;
      return {
        error: {
          file: filename,
          ...(typeof line === "number" ? { line } : {}),
          ...(typeof column === "number" ? { column: column + 1 } : {}),
          message: String(message),
        },
      };
    }
    if (typeof answer.js !== "string")
      return { error: { file: filename, message: "The Svelte compiler gave no code for this component." } };
    return { js: answer.js, warnings: Array.isArray(answer.warnings) ? answer.warnings.map(String) : [] };
  }

  private async compilerBundle(): Promise<{ id: string; code: string }> {
    const { dependencies, dependencyKey, vendors } = this.options;
    const key = hashBytes(new TextEncoder().encode(JSON.stringify([dependencyKey, "svelte-compiler", ENTRY])));
    const cached = await vendors.get(dependencyKey, key);
    if (cached !== null) return { id: `compiler-${key.slice(0, 32)}`, code: cached };
    const entry = ".build/svelte-compiler.js";
    const fs = new InMemoryFileSystem({ ...dependencies, [entry]: ENTRY });
    const found: Unresolved[] = [];
    const checks = importsPlugin({ runtime: "worker", nodejsCompat: false, read: (path) => fs.read(path), found });
    const bundled = await bundleSide({ side: "worker", fs, entries: [entry], plugins: [checks] });
    if (found.length > 0) {
      const missing = [...new Set(found.map(({ specifier, importer }) => `"${specifier}" (from ${importer})`))].join(", ");
      throw new BuildFailure([
        { file: "package.json", message: `The installed svelte compiler could not be bundled: it imports ${missing}.` },
      ]);
    }
    const code = bundled.code[0]![1];
    await vendors.put(dependencyKey, key, code);
    return { id: `compiler-${key.slice(0, 32)}`, code };
  }
}
