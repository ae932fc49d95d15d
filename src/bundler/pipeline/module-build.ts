import { clientBundlePath } from "./bundle";
import type { ProjectConfig } from "./project-config";
import { rewriteClientEntries, rewriteHtmlReferences, type ClientEntry } from "./html";
import { assetModule, assetQuery, EmittedAssets, isAssetFile, publicAssets, splitQuery } from "./assets";
import type { ViteLayout } from "./vite-config";
import { CssError, cssModuleSource, type CssFiles } from "./css";
import { applyPaths, type TsSettings } from "./tsconfig";
import { joinImportPath, resolveRelative, runtimeProvides, type Unresolved } from "./imports";
import type { BuildOutput, VendorCache } from "../interface";
import { isSourceModule, moduleOf, parseClause, transformModule, type ImportClause, type TransformedModule } from "./transform";
import { JSX_COMPONENTS, type Components } from "./assets-plugin";
import { SOLID_FILES } from "../compilers/solid";
import { buildVendor, serverEntryModule, shimModuleSource, SHIM_NAMESPACE_EXPORT } from "./vendor";

type Side = "browser" | "worker";

export interface ModuleBuildInput {
  read: (path: string) => string | null;
  files: Map<string, Uint8Array>;
  html: string | null;
  clients: ClientEntry[];
  serverEntry: string | undefined;
  /** Package names in package.json `dependencies`. */
  declared: Set<string>;
  dependencyKey: string | undefined;
  /** The installed node_modules files, for a vendor bundle not built yet. */
  dependencies: Record<string, string>;
  vendors: VendorCache;
  jsxSource: string | undefined;
  /** tsconfig `paths` and Vite's aliases (see tsconfig.ts, vite-config.ts). */
  paths: TsSettings["paths"];
  /** Component compilers by file type (.svelte, .vue), or why there is none (see build-project.ts). */
  components?: Components;
  /** Vite's root, publicDir and base. */
  layout: ViteLayout;
  /** Names vite.config's `define` replaces: a file using one is left to the bundler, which applies them. */
  defined: string[];
  nodejsCompat: boolean;
  config: ProjectConfig;
}

const SAFE_NAME = /^[\w@+~.-]+(\/[\w@+~.-]+)*$/;
const RESERVED_WORKER_NAME = /^((index|dependencies|app|bundle|runner|test-\d+)\.js|__sandbox.*)$/;

/** Something the module path does not handle; the build falls back to bundling, which handles it or locates the error. */
class NotOnModulePath extends Error {}

/**
 * The incremental build: every source file becomes its own ES module
 * (transformed once per content, see transform.ts) with its imports
 * rewritten to exact module names, and dependencies come from the same
 * pre-bundled vendor as the bundled build, through one small module per
 * imported package. The worker gets its modules through Worker Loader; the
 * browser loads them as native ES modules. An edit costs the transform of the
 * changed file plus string rewriting, with no bundler call. Returns undefined
 * for anything off this path (unresolved or unusual imports, syntax sucrase
 * rejects, import.meta in a worker), so the caller bundles instead.
 */
export async function buildModules(input: ModuleBuildInput): Promise<BuildOutput | undefined> {
  const emitted = new EmittedAssets(input.layout);
  try {
    const browser =
      input.clients.length > 0
        ? await sideModules(
            "browser",
            input.clients.map((entry) => entry.path),
            input,
            emitted,
          )
        : undefined;
    const worker = input.serverEntry ? await sideModules("worker", [input.serverEntry], input, emitted) : undefined;
    const assets: Record<string, string | Uint8Array> = {};
    Object.assign(assets, publicAssets(input.files, input.layout));
    const vendorUrl = browser?.vendor && `/_deps/${browser.vendor.key.slice(0, 16)}.js`;
    for (const [url, code] of browser?.modules ?? []) assets[url] = code;
    if (vendorUrl) assets[vendorUrl] = browser!.vendor!.code;
    if (input.html !== null) {
      const urls = new Map(input.clients.map((entry) => [entry.src, moduleName("browser", entry.path, input.clients)]));
      const page = await rewriteClientEntries(input.html, urls, vendorUrl);
      try {
        assets["/index.html"] = await rewriteHtmlReferences(page, cssFiles(input, emitted));
      } catch (error) {
        // The bundled build reports it, located.
        if (error instanceof CssError) throw new NotOnModulePath();
        throw error;
      }
    }
    for (const [url, bytes] of emitted.files) assets[url] = bytes;
    // The names the entry, the vendor, a bundled worker and the test sandbox use stay free.
    if (worker && [...worker.modules.keys()].some((name) => RESERVED_WORKER_NAME.test(name))) return undefined;
    const server = worker && {
      mainModule: "index.js",
      modules: {
        ...Object.fromEntries(worker.modules),
        ...(worker.vendor ? { "dependencies.js": worker.vendor.code } : {}),
        "index.js": serverEntryModule(
          `./${moduleName("worker", input.serverEntry!, [])}`,
          worker.exportsDefault,
          worker.vendor !== undefined,
        ),
      },
    };
    return {
      ...(server ?? { modules: {} }),
      assets,
      compatibilityDate: input.config.compatibilityDate,
      compatibilityFlags: input.config.compatibilityFlags,
      ...(input.config.notFoundHandling ? { notFoundHandling: input.config.notFoundHandling } : {}),
      ...(input.layout.base !== "/" ? { base: input.layout.base } : {}),
    };
  } catch (error) {
    if (error instanceof NotOnModulePath) return undefined;
    throw error;
  }
}

interface Shim {
  names: Set<string>;
  namespace: boolean;
}

/** One side's modules by output name (a module name for the worker, a URL for the browser), with its vendor. */
async function sideModules(side: Side, entries: string[], input: ModuleBuildInput, emitted: EmittedAssets) {
  const clients = side === "browser" ? input.clients : [];
  const name = (path: string) => moduleName(side, path, clients);
  const specifier = (from: string, to: string) => (side === "browser" ? to : relativeSpecifier(from, to));
  const modules = new Map<string, string>();
  const shims = new Map<string, Shim>();
  const claim = (output: string, code: string) => {
    if (modules.has(output)) throw new NotOnModulePath();
    modules.set(output, code);
  };
  const seen = new Set<string>();
  const queue = [...entries];
  let exportsDefault = false;
  // What each module exports, and the names each relative import needs: checked once all are read.
  const exported = new Map<string, { names: string[]; starFrom: string[] }>();
  const needs: { target: string; names: string[] }[] = [];
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const source = input.read(path);
    const module = source === null ? null : await sourceModule(path, source, side, input);
    if (!module) throw new NotOnModulePath();
    if (path === entries[0]) exportsDefault = module.exportNames.includes("default");
    // Left to esbuild: what it defines for the browser (process.env.NODE_ENV), and the
    // interop it gives .mjs/.mts importers of CommonJS packages.
    if ((side === "browser" || !input.nodejsCompat) && module.code.includes("process.env")) throw new NotOnModulePath();
    if (input.defined.some((name) => module.code.includes(name))) throw new NotOnModulePath();
    const nodeMode = /\.m[jt]s$/.test(path);
    const starFrom: string[] = [];
    exported.set(path, { names: module.exportNames, starFrom });
    const from = name(path);
    const edits: { start: number; end: number; text: string }[] = [];
    for (const entry of module.imports) {
      // Worker Loader modules have no import.meta.url, and a browser module's differs from its bundle's.
      if (entry.type === "import-meta") throw new NotOnModulePath();
      if (entry.specifier === undefined) throw new NotOnModulePath();
      const spec = aliased(entry.specifier, input);
      const point = (target: string) =>
        edits.push({ start: entry.start, end: entry.end, text: entry.type === "dynamic" ? JSON.stringify(target) : target });
      if (spec.startsWith(".") || spec.startsWith("/")) {
        const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
        const other = side === "browser" ? nonCodeModule(dir, spec, input, emitted) : undefined;
        if (other) {
          const clause = entry.type === "dynamic" ? undefined : parseClause(module.code.slice(entry.importStart, entry.start - 1));
          if (entry.type !== "dynamic" && !clause) throw new NotOnModulePath();
          if (clause && (clause.kind === "re-export-all" || neededNames(clause).some((needed) => !other.exports.includes(needed))))
            throw new NotOnModulePath();
          if (!modules.has(other.output)) claim(other.output, other.code);
          point(other.output);
          continue;
        }
        const resolved = resolveRelative(dir, spec, input.read);
        if (resolved === undefined || !SAFE_NAME.test(resolved)) throw new NotOnModulePath();
        const clause = entry.type === "dynamic" ? undefined : parseClause(module.code.slice(entry.importStart, entry.start - 1));
        if (entry.type !== "dynamic" && !clause) throw new NotOnModulePath();
        if (isSourceModule(resolved) || (side === "browser" && isComponent(resolved))) {
          queue.push(resolved);
          if (clause?.kind === "re-export-all") starFrom.push(resolved);
          else if (clause) needs.push({ target: resolved, names: neededNames(clause) });
          point(specifier(from, name(resolved)));
        } else if (resolved.endsWith(".json")) {
          // esbuild also gives a JSON file's keys as named exports; only its default is served here.
          if (clause && (neededNames(clause).some((needed) => needed !== "default") || (clause.kind === "import" && clause.namespace))) {
            throw new NotOnModulePath();
          }
          const output = side === "browser" ? `/_modules/${resolved}.js` : `${resolved}.js`;
          if (!modules.has(output)) claim(output, jsonModule(input.read(resolved)!));
          point(specifier(from, output));
        } else {
          throw new NotOnModulePath();
        }
        continue;
      }
      if (runtimeProvides(side, input.nodejsCompat, spec)) continue;
      if (!input.dependencyKey || !input.declared.has(packageName(spec)) || entry.type !== "static" || nodeMode)
        throw new NotOnModulePath();
      const clause = parseClause(module.code.slice(entry.importStart, entry.start - 1));
      if (!clause || clause.kind === "re-export-all") throw new NotOnModulePath();
      const shim = shims.get(spec) ?? { names: new Set<string>(), namespace: false };
      shims.set(spec, shim);
      for (const [imported] of clause.kind === "side-effect" ? [] : clause.named) if (imported !== "default") shim.names.add(imported);
      if (clause.kind === "import" && clause.namespace) {
        // `import * as X` reads the package's whole namespace, which the shim exports under one name.
        shim.namespace = true;
        const head = clause.default ? `${clause.default}, ` : "";
        edits.push({
          start: entry.importStart,
          end: entry.start - 1,
          text: `import ${head}{ ${SHIM_NAMESPACE_EXPORT} as ${clause.namespace} } from `,
        });
      }
      point(specifier(from, shimName(side, spec)));
    }
    let code = module.code;
    for (const edit of edits.sort((a, b) => b.start - a.start)) code = code.slice(0, edit.start) + edit.text + code.slice(edit.end);
    claim(from, code);
  }
  checkLinks(exported, needs);
  for (const [spec, shim] of shims) claim(shimName(side, spec), shimModuleSource(spec, [...shim.names].sort(), shim.namespace));
  const vendor = await sideVendor(side, [...shims.keys()].sort(), input);
  return { modules, vendor, exportsDefault };
}

/** A project file as a module: TypeScript and JSX transformed (transform.ts), a component compiled (in the sandbox); null when off this path. */
async function sourceModule(path: string, source: string, side: Side, input: ModuleBuildInput): Promise<TransformedModule | null> {
  const jsx = input.components?.[JSX_COMPONENTS];
  const solid = jsx !== undefined && side === "browser" && SOLID_FILES.test(path);
  if (isSourceModule(path) && !solid) return transformModule(path, source, input.jsxSource);
  const compiler = solid ? jsx : input.components?.[path.slice(path.lastIndexOf("."))];
  if (side !== "browser" || typeof compiler !== "object") return null;
  const output = await compiler.compile(path, source);
  // A compile error is reported, located, by the bundled build.
  if ("error" in output) return null;
  try {
    return await moduleOf(path, output.js);
  } catch {
    return null;
  }
}

function isComponent(path: string): boolean {
  return path.endsWith(".svelte") || path.endsWith(".vue");
}

/** The names an import or re-export statement takes from its module. */
function neededNames(clause: ImportClause): string[] {
  if (clause.kind === "side-effect" || clause.kind === "re-export-all") return [];
  const names = clause.named.map(([imported]) => imported);
  return clause.kind === "import" && clause.default ? [...names, "default"] : names;
}

/**
 * Every name imported from a project module must be exported by it, as
 * esbuild checks when it links a bundle. sucrase keeps a re-export of a
 * TypeScript type (`export { User } from "./user"`) that esbuild drops, and a
 * browser or workerd would refuse to link it: the bundler takes such a project.
 */
function checkLinks(exported: Map<string, { names: string[]; starFrom: string[] }>, needs: { target: string; names: string[] }[]): void {
  const exportsOf = (path: string, seen = new Set<string>()): Set<string> => {
    const own = exported.get(path);
    if (!own || seen.has(path)) return new Set();
    seen.add(path);
    const names = new Set(own.names);
    for (const star of own.starFrom) for (const name of exportsOf(star, seen)) if (name !== "default") names.add(name);
    return names;
  };
  for (const need of needs) {
    const available = exportsOf(need.target);
    if (need.names.some((name) => !available.has(name))) throw new NotOnModulePath();
  }
}

/** The side's vendor bundle, from the shared cache or built now; a dependency that does not resolve leaves this path. */
async function sideVendor(side: Side, specifiers: string[], input: ModuleBuildInput) {
  if (specifiers.length === 0 || !input.dependencyKey) return undefined;
  const found: Unresolved[] = [];
  const vendor = await buildVendor({
    dependencies: input.dependencies,
    side,
    specifiers,
    dependencyKey: input.dependencyKey,
    cache: input.vendors,
    jsxImportSource: input.jsxSource,
    nodejsCompat: input.nodejsCompat,
    found,
  });
  if (found.length > 0) throw new NotOnModulePath();
  return vendor;
}

/**
 * Where a project file's module lives: in the worker, its path with a .js
 * extension; in the browser, an entry keeps its bundled URL (`/main.js` for
 * `src/main.tsx`) and other files live under /_modules/.
 */
function moduleName(side: Side, path: string, clients: ClientEntry[]): string {
  // Names go into import strings and URLs as they are: anything unusual is left to the bundler.
  if (!SAFE_NAME.test(path)) throw new NotOnModulePath();
  const js = path.replace(/\.(tsx?|mts|jsx?|mjs)$/, ".js").replace(/\.(svelte|vue)$/, ".$1.js");
  if (side === "worker") return js;
  return clients.some((entry) => entry.path === path) ? clientBundlePath(path) : `/_modules/${js}`;
}

function shimName(side: Side, specifier: string): string {
  const file = `_deps/${specifier.replaceAll("/", "__")}.js`;
  return side === "browser" ? `/_modules/${file}` : file;
}

/** `../lib/store.js` for `src/lib/store.js` imported from `src/routes/todos.js`. */
function relativeSpecifier(from: string, to: string): string {
  const fromDir = from.split("/").slice(0, -1);
  const target = to.split("/");
  let common = 0;
  while (common < fromDir.length && common < target.length - 1 && fromDir[common] === target[common]) common++;
  const up = fromDir.length - common;
  return (up === 0 ? "./" : "../".repeat(up)) + target.slice(common).join("/");
}

/** What tsconfig `paths` make of a bare specifier: the first target that exists (a project path from the root, or a package). */
function aliased(specifier: string, input: ModuleBuildInput): string {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return specifier;
  const targets = applyPaths(specifier, input.paths);
  if (!targets) return specifier;
  return (
    targets.find(
      (target) => !target.startsWith("/") || resolveRelative("", target, input.read) !== undefined || input.files.has(target.slice(1)),
    ) ?? targets[0]!
  );
}

/** `react-dom` for `react-dom/client`, `@scope/pkg` for `@scope/pkg/sub`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** What stylesheets read on the module path: the project's files, then the installed packages'. */
function cssFiles(input: ModuleBuildInput, emitted: EmittedAssets): CssFiles {
  return { read: (file) => input.read(file) ?? input.dependencies[file] ?? null, bytes: (file) => input.files.get(file) ?? null, emitted };
}

/**
 * The module of a browser import that is not code (an asset, a stylesheet, a
 * `?url` / `?raw` / `?inline` import; see assets.ts and css.ts), or undefined
 * for code. Made as the bundled build's assets-plugin.ts makes it.
 */
function nonCodeModule(dir: string, specifier: string, input: ModuleBuildInput, emitted: EmittedAssets) {
  const { path, query } = splitQuery(specifier);
  if (query === undefined && !isAssetFile(path) && !path.endsWith(".css")) return undefined;
  const wanted = assetQuery(query);
  if (query !== undefined && wanted === undefined) throw new NotOnModulePath();
  const published = path.startsWith("/") && query === undefined ? emitted.publicFile(path) : undefined;
  if (published !== undefined && input.files.has(published)) {
    const code = `export default ${JSON.stringify(emitted.base.replace(/\/$/, "") + path)};\n`;
    return { output: `/_modules/public${path}.js`, code, exports: ["default"] };
  }
  const resolved = path.startsWith("/") ? emitted.layout.root + path.slice(1) : joinImportPath(dir, path);
  const bytes = input.files.get(resolved);
  if (!SAFE_NAME.test(resolved) || bytes === undefined) throw new NotOnModulePath();
  let code: string;
  try {
    code = resolved.endsWith(".css")
      ? cssModuleSource(resolved, wanted, cssFiles(input, emitted))
      : assetModule(resolved, wanted, bytes, emitted);
  } catch (error) {
    // The bundled build reports it, located.
    if (error instanceof CssError) throw new NotOnModulePath();
    throw error;
  }
  const exports = [...code.matchAll(/^export (?:const ([\w$]+)|default)/gm)].map((match) => match[1] ?? "default");
  return { output: `/_modules/${resolved}${wanted ? `.${wanted}` : ""}.js`, code, exports };
}

function jsonModule(text: string): string {
  try {
    return `export default ${JSON.stringify(JSON.parse(text))};\n`;
  } catch {
    throw new NotOnModulePath();
  }
}
