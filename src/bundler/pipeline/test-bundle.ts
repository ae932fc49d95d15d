import { InMemoryFileSystem } from "@cloudflare/worker-bundler";
import { SANDBOX_EXPORTS, SANDBOX_MODULES_GLOBAL, TEST_ENTRY_DIR, type SandboxModule } from "../../testing/sandbox/protocol";
import { bundleSide } from "./bundle";
import { jsxImportSource, nodejsCompatEnabled, readProjectConfig, textFiles } from "./project-config";
import { BuildFailure, bundlerErrors } from "./failure";
import { importsPlugin, unresolvedErrors, type PluginBuild, type Unresolved } from "./imports";
import { recordingReader, reusable } from "./bundle-memo";
import { installProjectDependencies, writeDependencies } from "../dependencies/install";
import { readTsSettings, type TsSettings } from "./tsconfig";
import type { BuildError, DependencyCache, VendorCache } from "../interface";
import { appDependencies, buildVendor, shimSource, withVendor } from "./vendor";

const SANDBOX_SPECIFIERS = /^(vitest|cloudflare:test)$/;

export interface TestBundleInput {
  files: Map<string, Uint8Array>;
  /** The test files to bundle, in run order. */
  testFiles: string[];
  dependencies: DependencyCache;
  vendors: VendorCache;
  registry: string;
  /** The app's worker modules from its build; absent for a project without a server. */
  server?: { mainModule?: string; modules: Record<string, string> };
  /** Each test file's last bundle, reused while none of the files it read changed; updated here. */
  memo?: TestBundleMemo;
}

/** Test file path → its last bundle, with the project files it read and what else shaped it. */
export type TestBundleMemo = Map<string, { context: string; inputs: Map<string, string | null>; bundled: BundledTestFile }>;

type BundledTestFile = { code: string; file: TestBundle["files"][number]; dependencies: Set<string> };

export interface TestBundle {
  /** The sandbox's modules besides the runner: the app's worker, its dependencies, one module per test file. */
  modules: Record<string, string>;
  /** The bundled test files in run order, with their module names and source maps. */
  files: { path: string; module: string; sourceMap: unknown }[];
  /** The app's main module among `modules`. */
  server?: string;
  /** Test files that did not bundle (syntax errors, unresolved imports), with located errors. */
  failures: { path: string; errors: BuildError[] }[];
  /** Set when no test could be bundled: the dependencies did not install or pre-bundle. */
  buildErrors?: BuildError[];
}

/**
 * Bundles each test file on its own (so one broken file fails alone) for the
 * worker runtime, with "vitest" and "cloudflare:test" read from the sandbox's
 * runner and npm dependencies read from the same vendor module as the app's
 * server (rebuilt with the union of both when the tests import more).
 * Never throws for a bad project: problems come back as failures or buildErrors.
 */
export async function bundleTests(input: TestBundleInput): Promise<TestBundle> {
  const bundle: TestBundle = { modules: {}, files: [], failures: [] };
  try {
    await bundleInto(bundle, input);
    return bundle;
  } catch (error) {
    if (error instanceof BuildFailure) return { modules: {}, files: [], failures: [], buildErrors: error.errors };
    throw error;
  }
}

/** The project as the test bundler sees it: its text files, and its dependencies. */
interface TestProject {
  text: Map<string, string>;
  /** The project's files, with node_modules written in on first call (a run whose test bundles are all reused needs none). */
  fs: () => InMemoryFileSystem;
  /** The installed node_modules files. */
  dependencies: Record<string, string>;
  dependencyKey: string | undefined;
  nodejsCompat: boolean;
  jsxSource: string | undefined;
  paths: TsSettings["paths"];
}

async function bundleInto(bundle: TestBundle, input: TestBundleInput): Promise<void> {
  const text = textFiles(input.files);
  const read = (path: string) => text.get(path) ?? null;
  const fs = new InMemoryFileSystem(Object.fromEntries(text));
  const installed = await installProjectDependencies(read, text, input, []);
  let written = false;
  const project: TestProject = {
    text,
    fs: () => {
      if (installed && !written) writeDependencies(fs, installed);
      written = true;
      return fs;
    },
    dependencies: installed?.files ?? {},
    dependencyKey: installed?.key,
    nodejsCompat: nodejsCompatEnabled(readProjectConfig(read).config),
    jsxSource: jsxImportSource(read),
    paths: readTsSettings(read).paths,
  };

  const used = new Set<string>();
  for (const path of input.memo?.keys() ?? []) if (!input.testFiles.includes(path)) input.memo!.delete(path);
  for (const [index, path] of input.testFiles.entries()) {
    const bundled = await bundleTestFileOnce(project, path, `test-${index}.js`, input.memo);
    if ("errors" in bundled) {
      bundle.failures.push({ path, errors: bundled.errors });
      continue;
    }
    bundle.modules[bundled.file.module] = bundled.code;
    bundle.files.push(bundled.file);
    for (const specifier of bundled.dependencies) used.add(specifier);
  }

  const built = input.server?.mainModule ? { mainModule: input.server.mainModule, modules: input.server.modules } : undefined;
  // The tests' dependencies and the server's, in one vendor module: the same key (usually
  // a cache hit) as the server's own when the tests import nothing more.
  const vendor =
    project.dependencyKey && used.size > 0
      ? await dependenciesModule(project, [...new Set([...used, ...(built ? appDependencies(built) : [])])].sort(), input.vendors)
      : undefined;
  if (built !== undefined) {
    const server = vendor !== undefined ? withVendor(built, vendor) : built;
    Object.assign(bundle.modules, server.modules);
    bundle.server = server.mainModule;
  } else if (vendor !== undefined) {
    bundle.modules["dependencies.js"] = vendor;
  }
  if (bundle.modules["dependencies.js"] !== undefined) {
    // Import declarations are hoisted: appended, it still runs first, and the source map's lines stay right.
    for (const file of bundle.files) bundle.modules[file.module] += '\nimport "./dependencies.js";\n';
  }
}

/** A test file's module from the memo when nothing it read changed, else bundled now (and remembered). */
async function bundleTestFileOnce(
  project: TestProject,
  path: string,
  module: string,
  memo: TestBundleMemo | undefined,
): Promise<BundledTestFile | { errors: BuildError[] }> {
  const context = JSON.stringify([module, project.dependencyKey, project.jsxSource, project.nodejsCompat]);
  // The memo's inputs are project files: no need to write node_modules to check them.
  const read = (file: string) => (file.startsWith("node_modules/") ? project.fs().read(file) : (project.text.get(file) ?? null));
  const known = memo?.get(path);
  if (reusable(known, context, read)) return known!.bundled;
  const reader = recordingReader(read);
  const bundled = await bundleTestFile(project, path, module, reader.read);
  reader.read(path);
  if (memo && !("errors" in bundled)) memo.set(path, { context, inputs: reader.inputs, bundled });
  return bundled;
}

/** One test file's module, or the located errors that stopped it. */
async function bundleTestFile(
  project: TestProject,
  path: string,
  module: string,
  fsRead: (path: string) => string | null,
): Promise<BundledTestFile | { errors: BuildError[] }> {
  const source = project.text.get(path);
  if (source === undefined) return { errors: [{ file: path, message: "The test file is not UTF-8 text." }] };
  const unsupported = unsupportedImports(path, source);
  if (unsupported.length > 0) return { errors: unsupported };
  const { dependencyKey } = project;
  const fs = project.fs();
  const found: Unresolved[] = [];
  const dependencies = new Set<string>();
  const imports = importsPlugin({
    runtime: "worker",
    nodejsCompat: project.nodejsCompat,
    read: fsRead,
    found,
    paths: project.paths,
    ...(dependencyKey ? { shims: { used: dependencies, source: shimSource } } : {}),
  });
  // The test file's top level must run inside the runner's request (workerd forbids timers,
  // random values and AbortControllers at a module's top level), so the module only exports
  // a function that imports it: esbuild bundles that import as a lazily run wrapper.
  const entry = `${TEST_ENTRY_DIR}/${module}`;
  fs.write(entry, `export default () => import(${JSON.stringify(`../${path}`)});\n`);
  try {
    const bundled = await bundleSide({
      side: "worker",
      fs,
      entries: [entry],
      plugins: [sandboxModulesPlugin(), imports],
      sourcemap: true,
      ...(project.jsxSource !== undefined ? { jsxImportSource: project.jsxSource } : {}),
    });
    if (found.length > 0) return { errors: unresolvedErrors(found, fsRead) };
    const { code, sourceMap } = splitSourceMap(bundled.code[0]![1]);
    return { code, file: { path, module, sourceMap }, dependencies };
  } catch (error) {
    return { errors: bundlerErrors(error) };
  }
}

/** The vendor module for these dependencies (see vendor.ts); a dependency that does not resolve fails the run. */
async function dependenciesModule(project: TestProject, specifiers: string[], cache: VendorCache): Promise<string> {
  const unresolved: Unresolved[] = [];
  const { code } = await buildVendor({
    dependencies: project.dependencies,
    side: "worker",
    specifiers,
    dependencyKey: project.dependencyKey!,
    cache,
    nodejsCompat: project.nodejsCompat,
    found: unresolved,
    ...(project.jsxSource !== undefined ? { jsxImportSource: project.jsxSource } : {}),
  });
  if (unresolved.length > 0) throw new BuildFailure(unresolvedErrors(unresolved, (file) => project.fs().read(file)));
  return code;
}

/** Resolves "vitest" and "cloudflare:test" to the runner's implementations, read at run time. */
function sandboxModulesPlugin() {
  return {
    name: "sandbox-test-modules",
    setup(build: PluginBuild) {
      build.onResolve({ filter: SANDBOX_SPECIFIERS }, (args) => ({ path: args.path, namespace: "sandbox-test-module" }));
      build.onLoad({ filter: /.*/, namespace: "sandbox-test-module" }, (args) => ({
        contents: `module.exports = globalThis.${SANDBOX_MODULES_GLOBAL}[${JSON.stringify(args.path)}];\n`,
        loader: "js",
      }));
    },
  };
}

const NAMED_IMPORT = /import\s*\{([^}]*)\}\s*from\s*["'](vitest|cloudflare:test)["']/g;

/**
 * Names a test file imports from "vitest" or "cloudflare:test" that the
 * sandbox does not provide (say `vi.mock`'s module, or `runInDurableObject`):
 * located errors, rather than an `undefined` that fails at first use.
 */
function unsupportedImports(path: string, source: string): BuildError[] {
  const errors: BuildError[] = [];
  for (const match of source.matchAll(NAMED_IMPORT)) {
    const module = match[2] as SandboxModule;
    const available: readonly string[] = SANDBOX_EXPORTS[module];
    const before = source.slice(0, match.index).split("\n");
    for (const specifier of match[1]!.split(",")) {
      const name = specifier
        .trim()
        .split(/\s+as\s+/)[0]!
        .trim();
      if (name === "" || name.startsWith("type ") || available.includes(name)) continue;
      errors.push({
        file: path,
        line: before.length,
        column: before.at(-1)!.length + 1,
        message: `"${name}" from "${module}" is not available in the sandbox's test runner. Available: ${available.join(", ")}.`,
      });
    }
  }
  return errors;
}

const INLINE_MAP = /\n\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

/** Takes esbuild's inline source map off a bundle; sources' contents are dropped (the runner needs positions only). */
function splitSourceMap(bundle: string): { code: string; sourceMap: unknown } {
  const match = INLINE_MAP.exec(bundle);
  if (!match) return { code: bundle, sourceMap: undefined };
  const bytes = Uint8Array.from(atob(match[1]!), (char) => char.charCodeAt(0));
  const map = JSON.parse(new TextDecoder().decode(bytes)) as { sourcesContent?: unknown };
  delete map.sourcesContent;
  return { code: bundle.slice(0, match.index) + "\n", sourceMap: map };
}
