import { installDependencies, type InMemoryFileSystem } from "@cloudflare/worker-bundler";
import { hashBytes } from "../store";
import { BuildFailure } from "./failure";
import type { DependencyCache } from "./interface";

/**
 * Installs package.json dependencies, from the cache when this exact set was
 * installed before. Returns the dependency set's key, or undefined if none.
 */
export async function installDependenciesInto(
  fs: InMemoryFileSystem,
  packageJson: string | null,
  input: { dependencies: DependencyCache; registry: string },
  warnings: string[],
): Promise<string | undefined> {
  if (packageJson === null) return undefined;
  let dependencies: Record<string, string>;
  try {
    const parsed = JSON.parse(packageJson) as { dependencies?: Record<string, string> };
    dependencies = parsed.dependencies ?? {};
  } catch (error) {
    throw new BuildFailure([{ file: "package.json", message: `package.json is not valid JSON: ${(error as Error).message}` }]);
  }
  const names = Object.keys(dependencies).sort();
  if (names.length === 0) return undefined;
  const key = hashBytes(
    new TextEncoder().encode(JSON.stringify([input.registry, names.map((name) => [name, dependencies[name]])])),
  );
  const cached = await input.dependencies.get(key);
  if (cached) {
    for (const [path, content] of Object.entries(cached)) fs.write(path, content);
    return key;
  }
  const installed = await installDependencies(fs, { registry: input.registry });
  // The bundler only warns about failed installs; a missing package is a build error for us.
  if (installed.warnings.length > 0) {
    throw new BuildFailure(installed.warnings.map((message) => ({ file: "package.json", message })));
  }
  const files: Record<string, string> = {};
  for (const path of fs.list("node_modules/")) files[path] = fs.read(path)!;
  await input.dependencies.put(key, files);
  warnings.push(`Installed ${installed.installed.join(", ")}.`);
  return key;
}
