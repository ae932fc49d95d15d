import { findNodeAtLocation, type Node as JsonNode, parseTree } from "jsonc-parser";
import type { BuildError } from "../interface";

/**
 * Which `dependencies` of a package.json the installer may fetch, checked as
 * npm checks them before a name goes into a registry URL: package names by
 * npm's rules for new packages, and specs that the registry resolves (a
 * version, a range or a dist-tag). Specs that point elsewhere (`file:`,
 * `link:`, git, URLs, `user/repo`) are refused, as is anything npm would not
 * take as a name (`../../-/log`, `x?y=1`). Each refusal is a build error at
 * the dependency's line in package.json.
 */
export function dependencyErrors(packageJson: string, dependencies: Record<string, unknown>): BuildError[] {
  const problems = Object.entries(dependencies).flatMap(([name, spec]) => {
    const problem = nameProblem(name) ?? specProblem(name, spec);
    return problem ? [{ name, problem }] : [];
  });
  if (problems.length === 0) return [];
  const tree = parseTree(packageJson);
  return problems.map(({ name, problem }) => ({ file: "package.json", ...where(packageJson, tree, name), message: problem }));
}

/** npm's rule for new package names (validate-npm-package-name): lowercase, URL-safe, at most 214 characters. */
const NAME = /^(?:@[a-z0-9-*~][a-z0-9-*._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

function nameProblem(name: string): string | null {
  if (name.length === 0 || name.length > 214 || !NAME.test(name) || name === "node_modules" || name === "favicon.ico")
    return `${JSON.stringify(name.slice(0, 100))} is not a valid npm package name (lowercase letters, digits and - . _ ~, optionally @scope/, at most 214 characters).`;
  return null;
}

/** A version, a range (`^1.2.0`, `>=2 <3`, `1.x`, `*`) or a dist-tag (`latest`). */
const RANGE = /^[\dA-Za-z.^~<>=|*+\- ]*$/;
const TAG = /^[A-Za-z][\w.-]*$/;

function specProblem(name: string, spec: unknown): string | null {
  if (typeof spec !== "string") return `The version of ${name} must be a string, such as "^1.2.0".`;
  const trimmed = spec.trim();
  if (/^(file|link|workspace|portal|patch):/i.test(trimmed))
    return `${name}: "${trimmed.slice(0, 100)}" points at local files; only packages from the registry can be installed here (a version such as "^1.2.0").`;
  if (/^(git|git\+[a-z]+|github|gitlab|bitbucket|gist|https?):/i.test(trimmed) || /^[\w.-]+\/[\w.-]+(#.*)?$/.test(trimmed))
    return `${name}: "${trimmed.slice(0, 100)}" is fetched from outside the registry (git or a URL); only packages from the registry can be installed here (a version such as "^1.2.0").`;
  if (/^npm:/i.test(trimmed)) return `${name}: aliases ("npm:…") are not supported; depend on the package under its own name.`;
  if (trimmed.length > 256 || (!RANGE.test(trimmed) && !TAG.test(trimmed)))
    return `${name}: "${trimmed.slice(0, 100)}" is not a version, a range or a dist-tag.`;
  return null;
}

/** The line and column (from 1) of a dependency's entry in package.json. */
function where(packageJson: string, tree: JsonNode | undefined, name: string): { line?: number; column?: number } {
  const offset = tree ? findNodeAtLocation(tree, ["dependencies", name])?.parent?.offset : undefined;
  if (offset === undefined) return {};
  const before = packageJson.slice(0, offset).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
