import { assetModule, assetQuery, extensionOf, isAssetFile, splitQuery, unloadableMessage, type EmittedAssets } from "./assets";
import { CssError, cssModuleSource, type CssFiles } from "./css";
import { CHECKING, joinImportPath, type PluginBuild } from "./imports";
import { isSourceModule } from "./transform";
import type { ComponentCompiler } from "../compilers/compiler";
import { SOLID_FILES } from "../compilers/solid";
import type { BuildError } from "../interface";

/** Component file types (".svelte", ".vue") and their compilers, or why there is none; under JSX_COMPONENTS, the compiler of JSX files. */
export type Components = Record<string, ComponentCompiler | string>;
/** The key of the compiler a vite plugin runs on .jsx/.tsx files (Solid's), never an extension. */
export const JSX_COMPONENTS = "jsx";

/**
 * The bundled build's loader for what is not code (see assets.ts and css.ts):
 * assets, `?url` / `?raw` / `?inline` imports, stylesheets (the project's and
 * packages'), and files imported from `public/` by their absolute path. Any
 * other file a module imports is an error naming the importer, before esbuild
 * would read it as JavaScript. (worker-bundler's plugin hook is not covered by
 * semver; the package is pinned.)
 */
const NEW_URL = /new\s+URL\(\s*(["'`])(\.{1,2}\/[^"'`$]+)\1\s*,\s*import\.meta\.url\s*\)/g;
/** The loaders worker-bundler gives project files (and JSX in .js, see bundle.ts). */
const LOADERS: Record<string, string> = { ts: "ts", mts: "ts", cts: "ts", tsx: "tsx", jsx: "jsx", js: "jsx", mjs: "js", cjs: "js" };

export function assetsPlugin(files: CssFiles & { emitted: EmittedAssets; components?: Components }) {
  const exists = (path: string) => files.bytes(path) !== null;
  return {
    name: "assets",
    setup(build: PluginBuild) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point" || args.pluginData === CHECKING) return undefined;
        const { path, query } = splitQuery(args.path);
        const importer = args.importer.replace(/^virtual:/, "");
        const relative = path.startsWith(".") || path.startsWith("/");
        if (!relative && !path.endsWith(".css")) return undefined;
        if (query !== undefined && assetQuery(query) === undefined) {
          return {
            errors: [{ text: `${importer} imports "${args.path}": the ?${query} query is not supported (only ?url, ?raw and ?inline).` }],
          };
        }
        let resolved: string | undefined;
        if (!relative) resolved = `node_modules/${path}`;
        else if (path.startsWith("/")) {
          // Vite serves public/ at the root: `/vite.svg` is public/vite.svg, as is, unhashed.
          const served = files.emitted.publicFile(path);
          if (served !== undefined && exists(served) && query === undefined) return { path, namespace: "public-file" };
          resolved = files.emitted.layout.root + path.slice(1);
        } else resolved = joinImportPath(args.resolveDir, path);
        const component = files.components?.[resolved.slice(resolved.lastIndexOf("."))];
        if (component !== undefined && query === undefined) {
          if (!exists(resolved))
            return { errors: [{ text: `Cannot resolve "${args.path}" imported by ${importer}: no such file (${resolved}).` }] };
          if (typeof component === "string") return { errors: [{ text: component }] };
          return { path: resolved, namespace: "component" };
        }
        const ext = resolved.endsWith(".css") ? "css" : undefined;
        if (ext !== "css" && query === undefined && !isAssetFile(resolved)) {
          // Code (resolved with extension probing by the other plugins), JSON, or a file no loader takes.
          if (!exists(resolved) || isSourceModule(resolved) || resolved.endsWith(".json") || /\.(c|m)?js$/.test(resolved)) return undefined;
          return { errors: [{ text: unloadableMessage(args.path, importer) }] };
        }
        if (!exists(resolved) && !(ext === "css" && files.read(resolved) !== null)) {
          return { errors: [{ text: `Cannot resolve "${args.path}" imported by ${importer}: no such file (${resolved}).` }] };
        }
        // The query stays in the path: `./a.css` and `./a.css?inline` are two modules.
        return { path: query === undefined ? resolved : `${resolved}?${query}`, namespace: ext === "css" ? "stylesheet" : "asset" };
      });
      // `new URL("./x.png", import.meta.url)` points at the emitted copy, as Vite rewrites it.
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/, namespace: "virtual" }, async (args) => {
        if (args.path.startsWith("node_modules/")) return undefined;
        let source = files.read(args.path);
        if (source === null) return undefined;
        const dir = args.path.includes("/") ? args.path.slice(0, args.path.lastIndexOf("/")) : "";
        let loader = LOADERS[extensionOf(args.path)] ?? "js";
        let changed = false;
        const jsx = files.components?.[JSX_COMPONENTS];
        if (jsx !== undefined && SOLID_FILES.test(args.path)) {
          if (typeof jsx === "string") return { errors: [{ text: jsx }] };
          const output = await jsx.compile(args.path, source);
          if ("error" in output) return { errors: [located(output.error, args.path)] };
          source = output.js;
          loader = "js";
          changed = true;
        }
        if (!source.includes("import.meta.url") && !changed) return undefined;
        const contents = source.replace(NEW_URL, (whole, _quote: string, relative: string) => {
          const target = joinImportPath(dir, relative);
          const bytes = files.bytes(target);
          if (bytes === null) return whole;
          changed = true;
          return `new URL(${JSON.stringify(files.emitted.emit(target, bytes))}, import.meta.url)`;
        });
        if (!changed) return undefined;
        return { contents, loader, resolveDir: dir };
      });
      build.onLoad({ filter: /.*/, namespace: "component" }, async (args) => {
        const compiler = files.components![args.path.slice(args.path.lastIndexOf("."))] as ComponentCompiler;
        const output = await compiler.compile(args.path, files.read(args.path) ?? "");
        if ("error" in output) return { errors: [located(output.error, args.path)] };
        const dir = args.path.includes("/") ? args.path.slice(0, args.path.lastIndexOf("/")) : "";
        return {
          contents: output.js,
          loader: "js",
          resolveDir: dir,
          warnings: output.warnings.map((text) => ({ text: `${args.path}: ${text}` })),
        };
      });
      build.onLoad({ filter: /.*/, namespace: "public-file" }, (args) => ({
        contents: `export default ${JSON.stringify(files.emitted.base.replace(/\/$/, "") + args.path)};\n`,
        loader: "js",
      }));
      build.onLoad({ filter: /.*/, namespace: "asset" }, (args) => {
        const { path, query } = splitQuery(args.path);
        return { contents: assetModule(path, assetQuery(query), files.bytes(path)!, files.emitted), loader: "js" };
      });
      build.onLoad({ filter: /.*/, namespace: "stylesheet" }, (args) => {
        const { path, query } = splitQuery(args.path);
        try {
          return { contents: cssModuleSource(path, assetQuery(query), files), loader: "js" };
        } catch (error) {
          if (!(error instanceof CssError)) throw error;
          const { file, line, message } = error.error;
          return { errors: [{ text: message, location: file ? { file, line: line ?? 1, column: 0 } : null }] };
        }
      });
    },
  };
}

/** A compiler's error as esbuild reports it. */
function located({ file, line, column, message }: BuildError, path: string) {
  return { text: message, location: { file: file ?? path, line: line ?? 1, column: (column ?? 1) - 1 } };
}
