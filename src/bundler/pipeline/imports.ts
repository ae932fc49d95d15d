import type { BuildError } from "../interface";
import { resolvePackageSubpath, resolveSubpathImport, splitSpecifier } from "./package-resolve";
import { applyPaths, type TsSettings } from "./tsconfig";
import { isAssetFile } from "./assets";

/**
 * Node.js built-ins the pinned workerd answers under nodejs_compat (some
 * stubs, such as child_process, whose calls throw at run time, as deployed).
 */
const WORKERD_BUILTINS = new Set(
  (
    "assert async_hooks buffer child_process cluster console constants crypto dgram diagnostics_channel dns domain " +
    "events fs http http2 https inspector module net os path perf_hooks process punycode querystring readline repl " +
    "stream string_decoder sys timers tls trace_events tty url util v8 vm wasi worker_threads zlib"
  ).split(" "),
);
/** Every Node.js built-in (Node 20's builtinModules, without subpaths). */
const NODE_BUILTINS = new Set([...WORKERD_BUILTINS, "sqlite", "test"]);

export interface Unresolved {
  specifier: string;
  /** The project file that imports it. */
  importer: string;
  /** Why, when more is known than "not found". */
  reason?: string;
}

type ResolveArgs = { path: string; importer: string; namespace: string; resolveDir: string; kind: string; pluginData?: unknown };

/** The slice of esbuild's plugin API our plugins use (the bundler keeps esbuild's types private). */
export type PluginBuild = {
  onResolve(options: { filter: RegExp }, callback: (args: ResolveArgs) => unknown): void;
  onLoad(options: { filter: RegExp; namespace: string }, callback: (args: { path: string }) => unknown): void;
  resolve(
    path: string,
    options: Omit<ResolveArgs, "path">,
  ): Promise<{ path: string; namespace: string; external: boolean; errors: unknown[] }>;
};

/** Marks the nested resolutions our plugins ask for, so they skip their own. */
export const CHECKING = Symbol("checking");

/** Bare imports of dependencies to turn into shims (see vendor.ts). */
export interface DependencyShims {
  used: Set<string>;
  source(specifier: string): string;
}

/**
 * Checks every import as it is resolved. worker-bundler marks an import it
 * cannot resolve as external and leaves it in the bundle, so the worker would
 * only fail when loaded (`No such module`); such imports are recorded with
 * the file that makes them. Relative imports are checked against the files
 * directly (as the bundler resolves them), bare ones by asking the rest of
 * the plugin chain once. With `shims`, bare imports of installed
 * dependencies from the project's own files become shim modules.
 */
export function importsPlugin(options: {
  runtime: "worker" | "browser";
  nodejsCompat: boolean;
  read: (path: string) => string | null;
  found: Unresolved[];
  shims?: DependencyShims;
  /** tsconfig `paths` of the project's own files (see tsconfig.ts). */
  paths?: TsSettings["paths"];
}) {
  const { runtime, nodejsCompat, read, found, shims, paths = [] } = options;
  const provided = (specifier: string) => runtimeProvides(runtime, nodejsCompat, specifier);
  return {
    name: "imports",
    setup(build: PluginBuild) {
      const bare = new Map<string, { path: string; namespace: string; external: boolean }>();
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point" || args.pluginData === CHECKING) return undefined;
        const importer = args.importer.replace(/^virtual:/, "");
        if (args.path.startsWith(".") || args.path.startsWith("/")) {
          if (args.path.endsWith(".css")) return undefined;
          const resolved = resolveRelative(args.resolveDir, args.path, read);
          if (resolved === undefined) {
            found.push({ specifier: args.path, importer });
            return undefined;
          }
          // Answer as worker-bundler's own resolver would (its "virtual" namespace loads the file),
          // which saves esbuild-wasm a second call into JavaScript for every import.
          return { path: resolved, namespace: "virtual" };
        }
        if (provided(args.path)) {
          // An ES module worker has no `require`: a CommonJS package's require of a built-in imports it, as wrangler does.
          if (args.kind === "require-call" && !args.path.startsWith("cloudflare:"))
            return { path: args.path, namespace: "builtin-require" };
          return undefined;
        }
        if (args.path.startsWith("#")) {
          const target = resolveSubpathImport(args.path, importer, runtime, read)!;
          if ("error" in target) {
            found.push({ specifier: args.path, importer, reason: target.error });
            return { path: args.path, external: true };
          }
          return { path: target.path, namespace: "virtual" };
        }
        const aliased = importer.startsWith("node_modules/") ? undefined : applyPaths(args.path, paths);
        if (aliased) {
          // The first target that exists, as TypeScript picks it; a project path resolves from the root.
          const { path: _path, ...rest } = args;
          const exists = (each: string) => !each.startsWith("/") || resolveRelative("", each, read) !== undefined || isAssetFile(each);
          const target = aliased.find(exists);
          if (target === undefined) {
            found.push({
              specifier: args.path,
              importer,
              reason: `tsconfig "paths" map it to ${aliased.join(", ")}, and no such file exists.`,
            });
            return { path: args.path, external: true };
          }
          if (target !== args.path) return build.resolve(target, { ...rest, resolveDir: "" });
        }
        // An npm package of a built-in's name (buffer, events, process) is the browser's polyfill, as in Vite.
        const installed = !args.path.startsWith("node:") && read(`node_modules/${splitSpecifier(args.path).name}/package.json`) !== null;
        const builtin = installed ? undefined : builtinReason(args.path, runtime);
        // Left external (nothing is linked against it), and reported with the file that imports it.
        if (builtin) {
          found.push({ specifier: args.path, importer, reason: builtin });
          return { path: args.path, external: true };
        }
        // node_modules is flat, so a bare specifier resolves the same from every project file.
        const fromProject = !importer.startsWith("node_modules/");
        let result = fromProject ? bare.get(args.path) : undefined;
        const subpath = result ? undefined : resolvePackageSubpath(args.path, runtime, read);
        if (subpath && "error" in subpath) {
          found.push({ specifier: args.path, importer, reason: subpath.error });
          return { path: args.path, external: true };
        }
        if (subpath) {
          result = { path: subpath.path, namespace: "virtual", external: false };
          if (fromProject) bare.set(args.path, result);
        }
        if (!result) {
          const { path: _path, ...rest } = args;
          result = await build.resolve(args.path, { ...rest, pluginData: CHECKING });
          if (fromProject) bare.set(args.path, result);
        }
        if (result.external) {
          // A package's `require()` of one not installed is most often optional, in a try block (debug's
          // supports-color): it is left to throw when run, as Vite's CommonJS plugin leaves it.
          if (!(args.kind === "require-call" && importer.startsWith("node_modules/"))) found.push({ specifier: args.path, importer });
          return undefined;
        }
        if (shims && !importer.startsWith("node_modules/") && result.path.startsWith("node_modules/")) {
          shims.used.add(args.path);
          return { path: args.path, namespace: "dependency-shim" };
        }
        return { path: result.path, namespace: result.namespace };
      });
      build.onLoad({ filter: /.*/, namespace: "builtin-require" }, (args) => ({
        contents: `import builtin from ${JSON.stringify(args.path)};\nmodule.exports = builtin;\n`,
        loader: "js",
      }));
      if (shims) {
        build.onLoad({ filter: /.*/, namespace: "dependency-shim" }, (args) => ({ contents: shims.source(args.path), loader: "js" }));
      }
    },
  };
}

/** Imports the runtime itself answers: `cloudflare:*`, and Node.js built-ins with nodejs_compat. */
export function runtimeProvides(runtime: "worker" | "browser", nodejsCompat: boolean, specifier: string): boolean {
  return (
    runtime === "worker" && (specifier.startsWith("cloudflare:") || (nodejsCompat && WORKERD_BUILTINS.has(builtinName(specifier) ?? "")))
  );
}

/** `fs` for `node:fs/promises` or `fs`; undefined when the specifier names no Node.js built-in. */
function builtinName(specifier: string): string | undefined {
  const name = specifier.replace(/^node:/, "").split("/")[0]!;
  return NODE_BUILTINS.has(name) || specifier.startsWith("node:") ? name : undefined;
}

/**
 * Why a Node.js built-in the runtime does not provide here cannot be imported
 * (never "is it in package.json?", which sends a model to install the npm
 * package of that name).
 */
function builtinReason(specifier: string, runtime: "worker" | "browser"): string | undefined {
  const name = builtinName(specifier);
  if (name === undefined) return undefined;
  if (runtime === "browser") {
    return `"${specifier}" is a Node.js built-in: browsers have no such module, so client code cannot import it (move the code to the server, or use a browser package).`;
  }
  if (!WORKERD_BUILTINS.has(name)) return `"${specifier}" is a Node.js built-in the Workers runtime does not provide.`;
  return `"${specifier}" is a Node.js built-in: add "nodejs_compat" to compatibility_flags in the wrangler file (wrangler.toml or wrangler.jsonc) to use it in the worker.`;
}

const EXTENSIONS = [".ts", ".tsx", ".js", ".jsx", ".mts", ".mjs"];

/** The project path a relative import names from `resolveDir` (no extension probing). */
export function joinImportPath(resolveDir: string, relative: string): string {
  const parts = resolveDir
    .replace(/^virtual:/, "")
    .split("/")
    .filter(Boolean);
  for (const part of relative.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "." && part !== "") parts.push(part);
  }
  return parts.join("/");
}

/** A relative import's file, probed the way worker-bundler's resolver does; undefined if none. */
export function resolveRelative(resolveDir: string, relative: string, read: (path: string) => string | null): string | undefined {
  // `/src/x` is from the project's root, as Vite serves it.
  const base = joinImportPath(relative.startsWith("/") ? "" : resolveDir, relative);
  const candidates = [base, ...EXTENSIONS.map((ext) => base + ext), ...EXTENSIONS.map((ext) => `${base}/index${ext}`)];
  return candidates.find((candidate) => read(candidate) !== null);
}

/** Located build errors for unresolved imports: the position of the quoted specifier in its importer. */
export function unresolvedErrors(found: Unresolved[], read: (path: string) => string | null): BuildError[] {
  const seen = new Set<string>();
  return found.flatMap(({ specifier, importer, reason }) => {
    const key = `${importer}\0${specifier}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const relative = specifier.startsWith(".") || specifier.startsWith("/");
    const message = reason
      ? `Cannot resolve "${specifier}": ${reason}`
      : relative
        ? `Cannot resolve the relative import "${specifier}"`
        : `Cannot resolve the package "${specifier}" (is it in package.json dependencies?)`;
    const lines = (read(importer) ?? "").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const column = Math.max(lines[i]!.indexOf(`"${specifier}"`), lines[i]!.indexOf(`'${specifier}'`));
      if (column >= 0) return [{ file: importer, line: i + 1, column: column + 1, message }];
    }
    return [{ file: importer, message }];
  });
}
