import { imports as resolveImports, exports as resolveExports } from "resolve.exports";

/**
 * A bare import's file in node_modules, resolved as Node and Vite do: the
 * package's `exports` map when it has one (nothing outside it), else the
 * subpath as a file (with .js, .mjs, .cjs, .json), then as a directory (its
 * package.json `main`, its index); for the browser, the package's `browser`
 * field replaces files (`"./lib/node.js": "./lib/browser.js"`). The pinned
 * worker-bundler falls back to a package's main entry for any subpath it
 * cannot find (`lodash/chunk` would be lodash itself), so every subpath
 * import, and every package with an exports map, is resolved here.
 */
export type PackageResolution = { path: string } | { error: string } | undefined;

const FILE_EXTENSIONS = ["", ".js", ".mjs", ".cjs", ".json"];
/** The export conditions Vite (client code) and wrangler (a worker) resolve with; never "node". */
const CONDITIONS = {
  browser: ["browser", "import", "module", "default"],
  worker: ["workerd", "worker", "browser", "import", "module", "default"],
};

/** `react-dom/client` → ["react-dom", "client"]; undefined for a root import. */
export function splitSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split("/");
  const size = specifier.startsWith("@") ? 2 : 1;
  return { name: parts.slice(0, size).join("/"), subpath: parts.slice(size).join("/") };
}

/**
 * Undefined when the package is not installed, or for a root import of a
 * package without an exports map (the bundler resolves those). The bundler
 * resolves exports maps with Node's conditions ("node" first), which gave a
 * worker @vue/compiler-sfc's Node build: every exports map is resolved here.
 */
export function resolvePackageSubpath(
  specifier: string,
  runtime: "browser" | "worker",
  read: (path: string) => string | null,
): PackageResolution {
  const { name, subpath } = splitSpecifier(specifier);
  const root = `node_modules/${name}`;
  const manifest = parse(read(`${root}/package.json`));
  if (manifest === undefined) return undefined;
  // A root import without an exports map is the bundler's (module, then main), except a browser field for client code.
  if (subpath === "" && (manifest.exports === undefined || manifest.exports === null)) {
    const browser = runtime === "browser" && typeof manifest.browser === "string" ? `${root}/${normalise(manifest.browser)}` : undefined;
    return browser && read(browser) !== null ? { path: browser } : undefined;
  }
  if (manifest.exports !== undefined && manifest.exports !== null) {
    let targets: string[] | undefined;
    try {
      const entry = subpath === "" ? "." : `./${subpath}`;
      targets = resolveExports(manifest, entry, { unsafe: true, conditions: CONDITIONS[runtime] }) || undefined;
    } catch {
      targets = undefined;
    }
    const found = targets?.map((target) => `${root}/${normalise(target)}`).find((path) => read(path) !== null);
    return found
      ? { path: browserFile(found, root, manifest, runtime) }
      : { error: `${name} does not export "${subpath === "" ? "." : `./${subpath}`}" (its package.json "exports" has no such entry).` };
  }
  const base = `${root}/${subpath}`;
  const file = FILE_EXTENSIONS.map((ext) => base + ext).find((path) => read(path) !== null);
  if (file) return { path: browserFile(file, root, manifest, runtime) };
  const inner = parse(read(`${base}/package.json`));
  const main = typeof inner?.main === "string" ? `${base}/${normalise(inner.main)}` : undefined;
  const candidates = [
    ...(main ? FILE_EXTENSIONS.map((ext) => main + ext) : []),
    `${base}/index.js`,
    `${base}/index.mjs`,
    `${base}/index.json`,
  ];
  const dir = candidates.find((path) => read(path) !== null);
  if (dir) return { path: browserFile(dir, root, manifest, runtime) };
  return { error: `${name} has no file "${subpath}" (tried ${subpath}, with .js, .mjs, .cjs, .json, and as a directory).` };
}

/** A file replaced by the package's `browser` map, for client code. */
function browserFile(path: string, root: string, manifest: Manifest, runtime: "browser" | "worker"): string {
  if (runtime !== "browser" || typeof manifest.browser !== "object" || manifest.browser === null) return path;
  const relative = `./${path.slice(root.length + 1)}`;
  const replaced =
    (manifest.browser as Record<string, unknown>)[relative] ?? (manifest.browser as Record<string, unknown>)[relative.replace(/\.js$/, "")];
  return typeof replaced === "string" ? `${root}/${normalise(replaced)}` : path;
}

type Manifest = { exports?: unknown; main?: unknown; browser?: unknown };

function parse(text: string | null): Manifest | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as Manifest) : undefined;
  } catch {
    return undefined;
  }
}

function normalise(target: string): string {
  return target.replace(/^\.\//, "").replace(/\/$/, "");
}

/**
 * A subpath import (`#compiler/builders`), through the `imports` map of the
 * package.json nearest to the importer (a package's, or the project's own).
 */
export function resolveSubpathImport(
  specifier: string,
  importer: string,
  runtime: "browser" | "worker",
  read: (path: string) => string | null,
): PackageResolution {
  const parts = importer.split("/").slice(0, -1);
  for (let end = parts.length; end >= 0; end--) {
    const dir = parts.slice(0, end).join("/");
    const manifest = parse(read(dir === "" ? "package.json" : `${dir}/package.json`));
    if (!manifest) continue;
    let targets: string[] | undefined;
    try {
      targets = resolveImports(manifest, specifier, { unsafe: true, conditions: CONDITIONS[runtime] }) || undefined;
    } catch {
      targets = undefined;
    }
    // A target may itself name a package; only files of the package are followed here.
    const found = targets
      ?.filter((target) => target.startsWith("./"))
      .map((target) => (dir === "" ? normalise(target) : `${dir}/${normalise(target)}`))
      .find((path) => read(path) !== null);
    return found
      ? { path: found }
      : { error: `the "imports" of ${dir === "" ? "package.json" : `${dir}/package.json`} have no entry for it.` };
  }
  return { error: 'no package.json around the importing file has an "imports" map.' };
}
