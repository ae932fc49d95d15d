import "./zero-delay-timers";
import { createWorker, type FileSystem } from "@cloudflare/worker-bundler";

const WRANGLER_FILES = new Set(["wrangler.toml", "wrangler.jsonc", "wrangler.json"]);

/**
 * Bundles entries for one side with worker-bundler's single-entry bundler:
 * the browser side sees no wrangler file, so a server's `nodejs_compat` never
 * turns a client bundle into a Node one. Returns [output path, code] per
 * entry: `/main.js` for `src/main.tsx` (as createApp names client bundles),
 * `app.js` for the worker.
 */
export async function bundleSide(options: {
  side: "browser" | "worker";
  fs: FileSystem;
  entries: string[];
  plugins: unknown[];
  jsxImportSource?: string;
  /** esbuild `define`s (import.meta.env, see vite-env.ts). */
  define?: Record<string, string>;
  /** tsconfig options esbuild applies (decorators, class fields; see tsconfig.ts). */
  compilerOptions?: Record<string, unknown>;
  /** Appends an inline source map to each bundle. */
  sourcemap?: boolean;
}): Promise<{ code: [string, string][]; warnings: string[] }> {
  const files = options.side === "browser" ? withoutWranglerConfig(options.fs) : options.fs;
  const code: [string, string][] = [];
  const warnings: string[] = [];
  for (const entry of options.entries) {
    const result = await createWorker({
      files,
      entryPoint: entry,
      jsx: "automatic",
      ...(options.sourcemap ? { sourcemap: true } : {}),
      ...(options.jsxImportSource !== undefined ? { jsxImportSource: options.jsxImportSource } : {}),
      ...(options.define ? { define: options.define } : {}),
      // JSX in .js files, as projects from Create React App write it (sucrase does the same on the module path).
      loader: { ".js": "jsx" },
      __dangerouslyUseEsBuildPluginsDoNotUseOrYouWillBeFired:
        options.compilerOptions && Object.keys(options.compilerOptions).length > 0
          ? [tsconfigPlugin(options.compilerOptions), ...options.plugins]
          : options.plugins,
    });
    const bundle = result.modules[result.mainModule];
    if (typeof bundle !== "string" || Object.keys(result.modules).length !== 1) {
      throw new Error(`Bundling ${entry} produced an unexpected output (expected one JavaScript module).`);
    }
    warnings.push(...(result.warnings ?? []));
    code.push([options.side === "browser" ? clientBundlePath(entry) : "app.js", bundle]);
  }
  return { code, warnings };
}

/** The URL of a client entry's bundle: `/main.js` for `src/main.tsx`. */
export function clientBundlePath(entry: string): string {
  return `/${entry.replace(/^src\//, "").replace(/\.(tsx?|jsx?)$/, ".js")}`;
}

function withoutWranglerConfig(fs: FileSystem): FileSystem {
  return {
    read: (path) => (WRANGLER_FILES.has(path) ? null : fs.read(path)),
    write: (path, content) => fs.write(path, content),
    delete: (path) => fs.delete(path),
    list: (prefix) => fs.list(prefix).filter((path) => !WRANGLER_FILES.has(path)),
    flush: () => fs.flush(),
  };
}

/**
 * Hands esbuild the project's tsconfig options: worker-bundler passes none,
 * and esbuild reads no tsconfig.json from a virtual file system. A plugin may
 * change the build's options while it is set up.
 */
function tsconfigPlugin(compilerOptions: Record<string, unknown>) {
  return {
    name: "tsconfig-options",
    setup(build: { initialOptions: { tsconfigRaw?: unknown } }) {
      build.initialOptions.tsconfigRaw = { compilerOptions };
    },
  };
}
