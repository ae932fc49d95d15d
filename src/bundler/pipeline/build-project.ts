import { InMemoryFileSystem } from "@cloudflare/worker-bundler";
import { nodejsCompatEnabled, readProjectConfig, textFiles, type ProjectConfig } from "./project-config";
import { readTsSettings } from "./tsconfig";
import { readViteConfig } from "./vite-config";
import { bindingWarnings, ENVIRONMENT_MODULE, environmentModule } from "./bindings";
import { assetsPlugin } from "./assets-plugin";
import { contentDigest, EmittedAssets, publicAssets } from "./assets";
import { envDefines, viteEnv } from "./vite-env";
import { findClientEntries, locateInHtml, rewriteClientEntries, rewriteHtmlReferences, type ClientEntry } from "./html";
import { CssError, type CssFiles } from "./css";
import { bundleSide } from "./bundle";
import { importsPlugin, unresolvedErrors, type Unresolved } from "./imports";
import { BuildFailure, bundlerErrors, collapseRepeats } from "./failure";
import { installProjectDependencies, writeDependencies, type ProjectDependencies } from "../dependencies/install";
import { JSX_COMPONENTS, type Components } from "./assets-plugin";
import { ComponentCompiler, type CompilerKind, type SandboxCompile } from "../compilers/compiler";
import { SVELTE } from "../compilers/svelte";
import { VUE } from "../compilers/vue";
import { SOLID } from "../compilers/solid";
import { buildModules } from "./module-build";
import type { BuildOutput, BuildResult, DependencyCache, VendorCache } from "../interface";
import { buildVendor, serverModules, shimSource } from "./vendor";
import { recordingReader, reusable, type BundleMemo } from "./bundle-memo";

export interface BuildInput {
  /** The tree to build, path → bytes. */
  files: Map<string, Uint8Array>;
  dependencies: DependencyCache;
  vendors: VendorCache;
  /** The project's last side bundles, reused when an edit did not touch their files; updated on success. */
  memo?: BundleMemo;
  /** npm registry base URL. */
  registry: string;
  /**
   * Build on the module path (module-build.ts) when the project allows it,
   * else bundle. Previews use it; a bundle serves better where one file is
   * wanted (tests compare against it, deploys and exports).
   */
  modules?: boolean;
  /** Runs a framework compiler (the project's own package) in the sandbox; without it, .svelte files are an error. */
  compile?: SandboxCompile;
}

/** The prefix under which a bundle's recorded inputs hold a file's bytes, as their digest. */
const BYTES = "\0bytes:";

const SERVER_ENTRIES = ["src/server", "src/index"].flatMap((base) => [".ts", ".tsx", ".js", ".jsx"].map((ext) => base + ext));

/**
 * Builds a tree into a worker and its static assets. Never throws for a bad
 * project: syntax errors, failed installs, unresolvable imports and missing
 * entries come back as located errors in a failed result.
 */
export async function buildProject(input: BuildInput): Promise<BuildResult> {
  const started = Date.now();
  const warnings: string[] = [];
  try {
    const output = await build(input, warnings);
    return { ok: true, errors: [], warnings, durationMs: Date.now() - started, output };
  } catch (error) {
    const errors = collapseRepeats(error instanceof BuildFailure ? error.errors : bundlerErrors(error));
    // An exception that is neither the project's problem nor the bundler's (say the dependency cache's RPC) may not recur.
    const retry = error instanceof BuildFailure ? error.options.retry === true : !Array.isArray((error as { errors?: unknown }).errors);
    return { ok: false, errors, warnings, durationMs: Date.now() - started, ...(retry ? { retry } : {}) };
  }
}

async function build(input: BuildInput, warnings: string[]): Promise<BuildOutput> {
  const text = textFiles(input.files);
  const read = (path: string) => text.get(path) ?? null;
  const { config, errors: configErrors } = readProjectConfig(read);
  if (configErrors.length > 0) throw new BuildFailure(configErrors);
  if (config.file) warnings.push(...bindingWarnings(config.bindings, config.file));

  const vite = readViteConfig(read);
  if (vite.errors.length > 0) throw new BuildFailure(vite.errors);
  warnings.push(...vite.warnings);
  const { layout } = vite;
  const htmlFile = `${layout.root}index.html`;
  const html = read(htmlFile);
  const clients = html === null ? [] : await findClientEntries(html, layout.root);
  const serverEntry = findServerEntry(config, read, html !== null, new Set(clients.map((entry) => entry.path)));
  const missing = clients.filter((entry) => read(entry.path) === null);
  if (missing.length > 0) {
    throw new BuildFailure(
      missing.map((entry) => ({
        ...locateInHtml(html!, entry.src, htmlFile),
        message: `${htmlFile} loads ${entry.src}, which does not exist.`,
      })),
    );
  }

  const fs = new InMemoryFileSystem(Object.fromEntries(text));
  const installed = await installProjectDependencies(read, text, input, warnings, vite.compilerPackages);
  const dependencyKey = installed?.key;
  const components = componentCompilers(installed, input, vite.jsxCompiler);

  const nodejsCompat = nodejsCompatEnabled(config);
  const ts = readTsSettings(read);
  const jsxSource = ts.jsxImportSource ?? vite.jsxImportSource;
  // Vite's aliases come first: Vite itself reads no tsconfig paths.
  const paths = [...vite.aliases, ...ts.paths];
  const define = { ...envDefines(viteEnv((path) => read(layout.root + path), layout.base)), ...vite.define };
  if (input.modules) {
    const modules = await buildModules({
      read,
      files: input.files,
      html,
      clients,
      serverEntry,
      declared: installed?.names ?? new Set(),
      dependencyKey,
      dependencies: installed?.files ?? {},
      vendors: input.vendors,
      jsxSource,
      paths,
      defined: Object.keys(vite.define),
      components,
      nodejsCompat,
      config,
      layout,
    });
    if (modules) return withEnvironment(modules, config, text);
  }
  // Thousands of node_modules files, written only now: the module path above needs none.
  if (installed) writeDependencies(fs, installed);
  const unresolved: Unresolved[] = [];
  // A file's bytes are remembered by a bundle as their digest, read under this prefix.
  const fileBytes = (path: string) => input.files.get(path) ?? encodeText(fs.read(path));
  const fsRead = (path: string) => {
    if (!path.startsWith(BYTES)) return fs.read(path);
    const bytes = fileBytes(path.slice(BYTES.length));
    return bytes === null ? null : contentDigest(bytes);
  };
  const memo = input.memo ?? {};
  const entries = clients.map((entry) => entry.path);
  const contexts = {
    browser: JSON.stringify(["browser", dependencyKey, jsxSource, ts, paths, entries, define, layout]),
    worker: JSON.stringify(["worker", dependencyKey, jsxSource, ts, paths, nodejsCompat, serverEntry, define]),
  };
  let browser = reusable(memo.browser, contexts.browser, fsRead);
  let worker = reusable(memo.worker, contexts.worker, fsRead);
  const serverEntries = serverEntry ? [serverEntry] : [];
  for (const side of ["browser", "worker"] as const) {
    const sideEntries = side === "browser" ? entries : serverEntries;
    if (sideEntries.length === 0 || (side === "browser" ? browser : worker)) continue;
    const reader = recordingReader(fsRead);
    const used = new Set<string>();
    const checks = importsPlugin({
      runtime: side,
      nodejsCompat: side === "worker" && nodejsCompat,
      read: reader.read,
      found: unresolved,
      paths,
      ...(dependencyKey ? { shims: { used, source: shimSource } } : {}),
    });
    const emitted = new EmittedAssets(layout);
    const bytes = (path: string) => {
      reader.read(BYTES + path);
      return fileBytes(path);
    };
    const plugins = side === "browser" ? [assetsPlugin({ read: reader.read, bytes, emitted, components }), checks] : [checks];
    const bundled = await bundleSide({
      side,
      fs,
      entries: sideEntries,
      plugins,
      jsxImportSource: jsxSource,
      define,
      compilerOptions: ts.compilerOptions,
    });
    if (unresolved.length > 0) throw new BuildFailure(unresolvedErrors(unresolved, fsRead));
    warnings.push(...bundled.warnings);
    for (const entry of sideEntries) reader.read(entry);
    const bundle = {
      context: contexts[side],
      inputs: reader.inputs,
      dependencies: [...used],
      code: bundled.code,
      assets: [...emitted.files],
    };
    if (side === "browser") browser = bundle;
    else worker = bundle;
  }
  const vendor = (side: "browser" | "worker", used: string[] | undefined) =>
    dependencyKey && used && used.length > 0
      ? buildVendor({
          dependencies: installed!.files,
          side,
          specifiers: [...used].sort(),
          dependencyKey,
          cache: input.vendors,
          jsxImportSource: jsxSource,
          nodejsCompat,
          found: unresolved,
        })
      : undefined;
  const vendors = { browser: await vendor("browser", browser?.dependencies), worker: await vendor("worker", worker?.dependencies) };
  if (unresolved.length > 0) throw new BuildFailure(unresolvedErrors(unresolved, fsRead));
  // Only a build that succeeded is remembered.
  if (input.memo) Object.assign(input.memo, { browser, worker });
  const page = { read: fsRead, bytes: fileBytes, emitted: new EmittedAssets(layout) };
  return withEnvironment(
    await toOutput(worker?.code[0]?.[1], browser?.code ?? [], browser?.assets ?? [], input.files, clients, html, page, config, vendors),
    config,
    text,
  );
}

/** The worker behind a module that gives its handlers the config's vars and bindings (and runs `scheduled` on demand). */
function withEnvironment(output: BuildOutput, config: ProjectConfig, text: Map<string, string>): BuildOutput {
  if (!output.mainModule) return output;
  // Each D1 database's migrations: its migrations_dir's .sql files, in name order, as wrangler applies them.
  const migrations: Record<string, { name: string; sql: string }[]> = {};
  for (const { name, migrationsDir } of config.bindings.d1) {
    const prefix = migrationsDir === "" ? "" : `${migrationsDir}/`;
    migrations[name] = [...text.keys()]
      .filter((path) => path.startsWith(prefix) && path.endsWith(".sql") && !path.slice(prefix.length).includes("/"))
      .sort()
      .map((path) => ({ name: path.slice(prefix.length), sql: text.get(path)! }));
  }
  return {
    ...output,
    mainModule: ENVIRONMENT_MODULE,
    modules: { ...output.modules, [ENVIRONMENT_MODULE]: environmentModule(output.mainModule, config.bindings, migrations) },
  };
}

function findServerEntry(
  config: ProjectConfig,
  read: (path: string) => string | null,
  hasHtml: boolean,
  /** index.html's scripts: Solid's template names its client src/index.tsx. */
  clients: Set<string>,
): string | undefined {
  if (config.main !== undefined) {
    if (read(config.main) === null) {
      throw new BuildFailure([{ file: config.file, message: `main = "${config.main}" in ${config.file}, but that file does not exist.` }]);
    }
    return config.main;
  }
  const found = SERVER_ENTRIES.find((path) => read(path) !== null && !clients.has(path));
  if (!found && !hasHtml) {
    throw new BuildFailure([
      {
        message: `Nothing to build: no server entry and no index.html. Tried (in order): main in wrangler.toml/wrangler.jsonc, ${SERVER_ENTRIES.join(", ")}; or add an index.html for a static app.`,
      },
    ]);
  }
  return found;
}

async function toOutput(
  serverBundle: string | undefined,
  clientBundles: [string, string][],
  emitted: [string, Uint8Array][],
  files: Map<string, Uint8Array>,
  clients: ClientEntry[],
  html: string | null,
  page: CssFiles,
  config: ProjectConfig,
  vendors: { browser?: { key: string; code: string }; worker?: { key: string; code: string } },
): Promise<BuildOutput> {
  const server = serverBundle === undefined ? undefined : serverModules(serverBundle, vendors.worker?.code);
  const vendor = vendors.browser && { path: `/_deps/${vendors.browser.key.slice(0, 16)}.js`, code: vendors.browser.code };
  const assets: Record<string, string | Uint8Array> = {};
  Object.assign(assets, publicAssets(files, page.emitted.layout));
  for (const [url, bytes] of emitted) assets[url] = bytes;
  for (const [path, code] of clientBundles) assets[path] = code;
  if (vendor) assets[vendor.path] = vendor.code;
  if (html !== null) {
    const bundles = new Map(clients.map((entry, i) => [entry.src, clientBundles[i]?.[0] ?? entry.src]));
    const rewritten = await rewriteClientEntries(html, bundles, vendor?.path);
    try {
      assets["/index.html"] = await rewriteHtmlReferences(rewritten, page);
    } catch (error) {
      if (error instanceof CssError) throw new BuildFailure([error.error]);
      throw error;
    }
    for (const [url, bytes] of page.emitted.files) assets[url] = bytes;
  }
  return {
    ...(server ?? { modules: {} }),
    assets,
    compatibilityDate: config.compatibilityDate,
    compatibilityFlags: config.compatibilityFlags,
    ...(config.notFoundHandling ? { notFoundHandling: config.notFoundHandling } : {}),
    ...(page.emitted.base !== "/" ? { base: page.emitted.base } : {}),
  };
}

function encodeText(text: string | null): Uint8Array | null {
  return text === null ? null : new TextEncoder().encode(text);
}

/** Component files and the compilers they need. */
const COMPONENTS: Record<string, CompilerKind> = { ".svelte": SVELTE, ".vue": VUE };

/** Each component file type's compiler, or why such files cannot be built; `jsx` when a vite plugin compiles JSX files. */
function componentCompilers(installed: ProjectDependencies | undefined, input: BuildInput, jsxCompiler: "solid" | undefined): Components {
  const compilers: Components = {};
  const kinds = Object.entries(COMPONENTS);
  if (jsxCompiler === "solid") kinds.push([JSX_COMPONENTS, SOLID]);
  for (const [extension, kind] of kinds) {
    if (!installed?.files[`node_modules/${kind.package}/package.json`]) {
      compilers[extension] =
        extension === JSX_COMPONENTS
          ? `${kind.name}'s JSX needs the "${kind.package}" package, which vite-plugin-solid brings: add vite-plugin-solid to devDependencies in package.json.`
          : `${kind.name} components need the "${kind.package}" package: add it to dependencies or devDependencies in package.json.`;
    } else if (!input.compile)
      compilers[extension] = `${kind.name} components cannot be compiled here (no sandbox to run the compiler in).`;
    else
      compilers[extension] = new ComponentCompiler(kind, {
        dependencies: installed.files,
        dependencyKey: installed.key,
        vendors: input.vendors,
        compile: input.compile,
      });
  }
  return compilers;
}
