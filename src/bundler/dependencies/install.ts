import type { InMemoryFileSystem } from "@cloudflare/worker-bundler";
import { hashBytes } from "../../store";
import { BuildFailure } from "../pipeline/failure";
import { dependencyErrors } from "./dependency-specs";
import type { DependencyCache } from "../interface";

/** A project's installed dependency set: its key and its node_modules files (path → text). */
export interface ProjectDependencies {
  key: string;
  files: Record<string, string>;
}

/**
 * A project's dependencies, from the shared cache (which installs a set the
 * first time any project asks for it); undefined if it declares none.
 */
export async function installProjectDependencies(
  read: (path: string) => string | null,
  input: { dependencies: DependencyCache; registry: string },
  warnings: string[],
): Promise<ProjectDependencies | undefined> {
  const packageJson = read("package.json");
  if (packageJson === null) return undefined;
  let dependencies: Record<string, string>;
  try {
    const parsed = JSON.parse(packageJson) as { dependencies?: Record<string, string> };
    dependencies = parsed.dependencies ?? {};
  } catch (error) {
    throw new BuildFailure([{ file: "package.json", message: `package.json is not valid JSON: ${(error as Error).message}` }]);
  }
  if (typeof dependencies !== "object" || dependencies === null || Array.isArray(dependencies))
    throw new BuildFailure([
      { file: "package.json", message: "dependencies in package.json must be an object of package names and versions." },
    ]);
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
  return { key, files: installed.files };
}

/** Writes the installed node_modules files into a bundler's file system (thousands of files: only when a bundler call needs them). */
export function writeDependencies(fs: InMemoryFileSystem, installed: ProjectDependencies): void {
  for (const [path, content] of Object.entries(installed.files)) fs.write(path, content);
}

/** The package names a package.json declares in `dependencies` (none if it does not parse). */
export function declaredDependencies(packageJson: string | null): Set<string> {
  try {
    return new Set(Object.keys((JSON.parse(packageJson ?? "{}") as { dependencies?: Record<string, string> }).dependencies ?? {}));
  } catch {
    return new Set();
  }
}
