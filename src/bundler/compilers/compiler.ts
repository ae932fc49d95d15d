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
export type SandboxCompile = (
  worker: { id: string; code: string; subject: string; nodejsCompat?: boolean },
  body: unknown,
) => Promise<unknown>;

/** Compiled components by compiler and source, shared by the projects of this isolate (an edit compiles only what changed). */
const compiled = new Map<string, Promise<CompiledComponent>>();
const COMPILED_KEPT = 512;

/** A component as a JavaScript module, or its located error. */
export type CompiledComponent = { js: string; warnings: string[] } | { error: BuildError };

/** A framework's compiler: the worker that runs it (see svelte.ts, vue.ts). */
export interface CompilerKind {
  /** "Svelte": names the compiler in errors. */
  name: string;
  /** The package the project must install, e.g. "svelte". */
  package: string;
  /** The compiler needs Node.js built-ins (Babel's `assert` and `path`): its worker runs with `nodejs_compat`. */
  nodejsCompat?: boolean;
  /** The worker's module: reads `{filename, source, id}`, answers `{js, warnings}` or `{error: {message, line?, column?}}`. */
  entry: string;
  /** Turns the worker's `js` into the module served (e.g. TypeScript stripped). */
  finish?: (js: string, answer: Record<string, unknown>, filename: string) => string;
}

/**
 * Components compiled by the framework compiler the project installed, in
 * the sandbox. The compiler is bundled once per dependency set and kept with
 * the set's vendor bundles; compiled components are kept by source.
 */
export class ComponentCompiler {
  private bundle?: Promise<{ id: string; code: string; nodejsCompat: boolean }>;

  constructor(
    private readonly kind: CompilerKind,
    private readonly options: {
      dependencies: Record<string, string>;
      dependencyKey: string;
      vendors: VendorCache;
      compile: SandboxCompile;
    },
  ) {}

  compile(filename: string, source: string): Promise<CompiledComponent> {
    const key = hashBytes(new TextEncoder().encode(JSON.stringify([this.kind.name, this.options.dependencyKey, filename, source])));
    let result = compiled.get(key);
    if (!result) {
      result = this.run(filename, source);
      compiled.set(key, result);
      result.catch(() => compiled.delete(key));
      if (compiled.size > COMPILED_KEPT) compiled.delete(compiled.keys().next().value!);
    }
    return result;
  }

  private async run(filename: string, source: string): Promise<CompiledComponent> {
    this.bundle ??= this.compilerBundle();
    const worker = await this.bundle;
    // A component's id (Vue's scoped styles): stable per file, as Vite derives it from the path.
    const id = hashBytes(new TextEncoder().encode(filename)).slice(0, 8);
    const answer = (await this.options.compile({ ...worker, subject: `The ${this.kind.name} compiler` }, { filename, source, id })) as {
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
      return { error: { file: filename, message: `The ${this.kind.name} compiler gave no code for this component.` } };
    let js: string;
    try {
      js = this.kind.finish ? this.kind.finish(answer.js, answer, filename) : answer.js;
    } catch (error) {
      return { error: { file: filename, message: `The ${this.kind.name} compiler's output does not parse: ${(error as Error).message}` } };
    }
    return { js, warnings: Array.isArray(answer.warnings) ? answer.warnings.map(String) : [] };
  }

  private async compilerBundle(): Promise<{ id: string; code: string; nodejsCompat: boolean }> {
    const { dependencies, dependencyKey, vendors } = this.options;
    const nodejsCompat = this.kind.nodejsCompat === true;
    const key = hashBytes(new TextEncoder().encode(JSON.stringify([dependencyKey, this.kind.name, this.kind.entry, nodejsCompat])));
    const id = `compiler-${key.slice(0, 32)}`;
    const cached = await vendors.get(dependencyKey, key);
    if (cached !== null) return { id, code: cached, nodejsCompat };
    const entry = `.build/${this.kind.package}-compiler.js`;
    // The bundler takes Node.js built-ins as the runtime's only under a config that enables them.
    const config: Record<string, string> = nodejsCompat
      ? { "wrangler.json": JSON.stringify({ compatibility_flags: ["nodejs_compat"] }) }
      : {};
    const fs = new InMemoryFileSystem({ ...dependencies, ...config, [entry]: this.kind.entry });
    const found: Unresolved[] = [];
    const checks = importsPlugin({ runtime: "worker", nodejsCompat, read: (path) => fs.read(path), found });
    const bundled = await bundleSide({ side: "worker", fs, entries: [entry], plugins: [checks] });
    if (found.length > 0) {
      const missing = [...new Set(found.map(({ specifier, importer }) => `"${specifier}" (from ${importer})`))].join(", ");
      throw new BuildFailure([
        { file: "package.json", message: `The installed ${this.kind.package} compiler could not be bundled: it imports ${missing}.` },
      ]);
    }
    const code = bundled.code[0]![1];
    await vendors.put(dependencyKey, key, code);
    return { id, code, nodejsCompat };
  }
}
