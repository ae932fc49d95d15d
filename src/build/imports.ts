import type { BuildError } from "./interface";

const NODE_BUILTINS = new Set([
  "assert", "async_hooks", "buffer", "crypto", "diagnostics_channel", "dns", "events", "net", "path",
  "process", "querystring", "stream", "string_decoder", "timers", "tls", "url", "util", "zlib",
]);

export interface Unresolved {
  specifier: string;
  /** The project file that imports it. */
  importer: string;
}

type ResolveArgs = { path: string; importer: string; namespace: string; resolveDir: string; kind: string; pluginData?: unknown };

/** The slice of esbuild's plugin API our plugins use (the bundler keeps esbuild's types private). */
export type PluginBuild = {
  onResolve(options: { filter: RegExp }, callback: (args: ResolveArgs) => unknown): void;
  onLoad(options: { filter: RegExp; namespace: string }, callback: (args: { path: string }) => unknown): void;
  resolve(path: string, options: Omit<ResolveArgs, "path">): Promise<{ path: string; namespace: string; external: boolean; errors: unknown[] }>;
};

/** Marks the nested resolutions our plugins ask for, so they skip their own. */
export const CHECKING = Symbol("checking");

/**
 * worker-bundler marks an import it cannot resolve as external and leaves it
 * in the bundle, so the worker would only fail when loaded (`No such
 * module`). This plugin asks the rest of the chain to resolve every import
 * and records the ones that end up external without being provided by the
 * runtime, with the file that imports them.
 */
export function unresolvedImportsPlugin(runtime: "worker" | "browser", nodejsCompat: boolean, found: Unresolved[]) {
  const provided = (specifier: string) =>
    runtime === "worker" &&
    (specifier.startsWith("cloudflare:") ||
      (nodejsCompat && (specifier.startsWith("node:") || NODE_BUILTINS.has(specifier.split("/")[0]!))));
  return {
    name: "unresolved-imports",
    setup(build: PluginBuild) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point" || args.pluginData === CHECKING) return undefined;
        const { path: _path, ...options } = args;
        const result = await build.resolve(args.path, { ...options, pluginData: CHECKING });
        if (result.external && !provided(args.path)) {
          found.push({ specifier: args.path, importer: args.importer.replace(/^virtual:/, "") });
        }
        return { path: result.path, namespace: result.namespace, external: result.external };
      });
    },
  };
}

/** Located build errors for unresolved imports: the position of the quoted specifier in its importer. */
export function unresolvedErrors(found: Unresolved[], read: (path: string) => string | null): BuildError[] {
  const seen = new Set<string>();
  return found.flatMap(({ specifier, importer }) => {
    const key = `${importer}\0${specifier}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const relative = specifier.startsWith(".") || specifier.startsWith("/");
    const message = relative
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
