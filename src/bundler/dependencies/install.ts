import type { InMemoryFileSystem } from "@cloudflare/worker-bundler";
import { hashBytes } from "../../store";
import { BuildFailure } from "../pipeline/failure";
import { dependencyErrors } from "./dependency-specs";
import type { DependencyCache } from "../interface";

/** A project's installed dependency set: its key and its node_modules files (path → text). */
export interface ProjectDependencies {
  key: string;
  files: Record<string, string>;
  /** The packages the project declares and gets: its dependencies, and the devDependencies it imports. */
  names: Set<string>;
}

/**
 * A project's dependencies, from the shared cache (which installs a set the
 * first time any project asks for it); undefined if it declares none.
 */
export async function installProjectDependencies(
  read: (path: string) => string | null,
  sources: Map<string, string>,
  input: { dependencies: DependencyCache; registry: string },
  warnings: string[],
  /** devDependencies installed though no module imports them (vite plugins that bring the compilers the build runs). */
  compilerPackages: string[] = [],
): Promise<ProjectDependencies | undefined> {
  const packageJson = read("package.json");
  if (packageJson === null) return undefined;
  let parsed: { dependencies?: unknown; devDependencies?: unknown };
  try {
    parsed = JSON.parse(packageJson) as typeof parsed;
  } catch (error) {
    throw new BuildFailure([{ file: "package.json", message: `package.json is not valid JSON: ${(error as Error).message}` }]);
  }
  for (const field of ["dependencies", "devDependencies"] as const) {
    const value = parsed[field];
    if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value)))
      throw new BuildFailure([
        { file: "package.json", message: `${field} in package.json must be an object of package names and versions.` },
      ]);
  }
  const devDependencies = (parsed.devDependencies ?? {}) as Record<string, string>;
  const dependencies = {
    ...(parsed.dependencies as Record<string, string> | undefined),
    ...importedDevDependencies(devDependencies, sources),
    ...Object.fromEntries(compilerPackages.filter((name) => name in devDependencies).map((name) => [name, devDependencies[name]!])),
  };
  const refused = dependencyErrors(packageJson, dependencies);
  if (refused.length > 0) throw new BuildFailure(refused);
  const names = Object.keys(dependencies).sort();
  if (names.length === 0) return undefined;
  // As the bundler's installer would say (the shared install sees only the dependencies).
  if (read("pyproject.toml") !== null)
    throw new BuildFailure([{ file: "package.json", message: "Cannot have package.json and pyproject.toml" }]);
  const key = hashBytes(new TextEncoder().encode(JSON.stringify([input.registry, names.map((name) => [name, dependencies[name]])])));
  const installed = await input.dependencies.install({ key, registry: input.registry, dependencies });
  // The bundler only warns about failed installs; a missing package is a build error for us.
  if ("failures" in installed) {
    throw new BuildFailure(
      installed.failures.map((message) => ({ file: "package.json", message })),
      { retry: true },
    );
  }
  if (installed.installedNow) warnings.push(`Installed ${installed.installedNow.join(", ")}.`);
  return { key, files: installed.files, names: new Set(names) };
}

/** Provided by the sandbox's test runner, never installed (see test-bundle.ts). */
const PROVIDED = new Set(["vitest", "@cloudflare/vitest-pool-workers"]);
/** Files that can import a package: code, stylesheets, pages. */
const SOURCE = /\.([cm]?[jt]sx?|vue|svelte|astro|css|scss|sass|less|html)$/;
/** Files that name tooling rather than import code: configs and type declarations. */
const NOT_SOURCE = /(^|\/)([^/]*\.config\.[cm]?[jt]s|[^/]*\.d\.[cm]?ts)$|^node_modules\//;
/** What a module imports: `from "x"`, `import "x"`, `import("x")`, `require("x")`. */
const CODE_IMPORT = /(?:\bfrom|\bimport|\brequire)\s*\(?\s*["'`]([^"'`\s]+)["'`]/g;
/** What a stylesheet imports: `@import "x"`, `@import url(x)`, Sass's `@use` and `@forward`. */
const STYLE_IMPORT = /@(?:import|use|forward)\s+(?:url\(\s*)?["']?~?([^"')\s;]+)/g;

/**
 * The devDependencies the project's code imports. Vite projects list their
 * toolchain there (vite, typescript, linters, plugins: native binaries the
 * build never runs) and often the libraries they import too; only a package
 * some module or stylesheet imports is installed. One that only a config file,
 * a .d.ts or a JSON file names (tsconfig's `"types": ["vite/client"]`) is not.
 */
export function importedDevDependencies(devDependencies: Record<string, string>, sources: Map<string, string>): Record<string, string> {
  const wanted: Record<string, string> = {};
  const names = Object.keys(devDependencies).filter((name) => !PROVIDED.has(name) && !name.startsWith("@types/"));
  if (names.length === 0) return wanted;
  const imported = new Set<string>();
  for (const [path, text] of sources) {
    if (!SOURCE.test(path) || NOT_SOURCE.test(path)) continue;
    for (const pattern of [CODE_IMPORT, STYLE_IMPORT]) for (const match of text.matchAll(pattern)) imported.add(packageOf(match[1]!));
  }
  for (const name of names) if (imported.has(name)) wanted[name] = devDependencies[name]!;
  return wanted;
}

/** `@scope/pkg` of `@scope/pkg/sub`, `pkg` of `pkg/sub`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Writes the installed node_modules files into a bundler's file system (thousands of files: only when a bundler call needs them). */
export function writeDependencies(fs: InMemoryFileSystem, installed: ProjectDependencies): void {
  for (const [path, content] of Object.entries(installed.files)) fs.write(path, content);
}
