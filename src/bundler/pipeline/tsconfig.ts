import { parse as parseJsonc } from "jsonc-parser";
import { joinImportPath } from "./imports";

/**
 * The TypeScript settings that shape a build, read as `tsc -b` and Vite read
 * them: tsconfig.json with its `extends` chain (relative files), and for a
 * solution-style tsconfig.json (create-vite's `"files": []` with
 * `references` to tsconfig.app.json and tsconfig.node.json) the referenced
 * configs that cover the app's sources rather than its tooling.
 */
export interface TsSettings {
  jsxImportSource?: string;
  /** What esbuild takes from tsconfig for decorators and class fields (Lit's `experimentalDecorators`). */
  compilerOptions: { experimentalDecorators?: boolean; useDefineForClassFields?: boolean };
  /** `compilerOptions.paths`, with each target made a project path or a package specifier. */
  paths: { pattern: string; targets: string[] }[];
}

interface Config {
  jsxImportSource?: string;
  experimentalDecorators?: boolean;
  useDefineForClassFields?: boolean;
  /** Targets as project paths (`src/*`, `node_modules/preact/compat`). */
  paths?: { pattern: string; targets: string[] }[];
  references: string[];
}

export function readTsSettings(read: (path: string) => string | null): TsSettings {
  const root = config("tsconfig.json", read, new Set());
  if (!root) return { paths: [], compilerOptions: {} };
  // The app's config: the root's own options first, then each reference not for tooling (tsconfig.node.json).
  const configs = [root, ...root.references.filter((path) => !/node/.test(path)).flatMap((path) => config(path, read, new Set()) ?? [])];
  const jsxImportSource = configs.find((each) => each.jsxImportSource !== undefined)?.jsxImportSource;
  const paths = (configs.find((each) => each.paths !== undefined)?.paths ?? []).map(({ pattern, targets }) => ({
    pattern,
    targets: targets.map(aliasTarget),
  }));
  const compilerOptions: TsSettings["compilerOptions"] = {};
  for (const option of ["experimentalDecorators", "useDefineForClassFields"] as const) {
    const value = configs.find((each) => each[option] !== undefined)?.[option];
    if (value !== undefined) compilerOptions[option] = value;
  }
  return { ...(jsxImportSource !== undefined ? { jsxImportSource } : {}), paths, compilerOptions };
}

/** A target inside node_modules is the package path it names (`preact/compat`); any other, a project path. */
function aliasTarget(path: string): string {
  return path.startsWith("node_modules/") ? path.slice("node_modules/".length) : `/${path}`;
}

/**
 * The specifier an import becomes under `paths`: `/src/lib/x` for a project
 * file (`@/lib/x` with `"@/*": ["./src/*"]`), `preact/compat` for a package;
 * undefined if no pattern matches. Like TypeScript, the longest prefix wins.
 */
export function applyPaths(specifier: string, paths: TsSettings["paths"]): string[] | undefined {
  let best: { prefix: number; targets: string[] } | undefined;
  for (const { pattern, targets } of paths) {
    const star = pattern.indexOf("*");
    if (star < 0) {
      if (pattern === specifier) return targets;
      continue;
    }
    const [head, tail] = [pattern.slice(0, star), pattern.slice(star + 1)];
    if (!specifier.startsWith(head) || !specifier.endsWith(tail) || specifier.length < head.length + tail.length) continue;
    const matched = specifier.slice(head.length, specifier.length - tail.length);
    if (!best || head.length > best.prefix) best = { prefix: head.length, targets: targets.map((target) => target.replace("*", matched)) };
  }
  return best?.targets;
}

/** One config file with its `extends` chain (relative files; a package's base config sets no JSX source or paths of an app). */
function config(path: string, read: (path: string) => string | null, seen: Set<string>): Config | undefined {
  const file = read(path) !== null ? path : read(`${path}/tsconfig.json`) !== null ? `${path}/tsconfig.json` : undefined;
  if (file === undefined || seen.has(file)) return undefined;
  seen.add(file);
  const parsed = parseJsonc(read(file)!, [], { allowTrailingComma: true }) as
    | {
        compilerOptions?: {
          jsxImportSource?: unknown;
          paths?: unknown;
          baseUrl?: unknown;
          experimentalDecorators?: unknown;
          useDefineForClassFields?: unknown;
        };
        extends?: unknown;
        references?: { path?: unknown }[];
      }
    | undefined;
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : "";
  const result: Config = { references: [] };
  for (const base of [parsed.extends].flat()) {
    if (typeof base !== "string" || !base.startsWith(".")) continue;
    const inherited = config(joinImportPath(dir, base), read, seen);
    if (inherited?.jsxImportSource !== undefined) result.jsxImportSource = inherited.jsxImportSource;
    if (inherited?.paths !== undefined) result.paths = inherited.paths;
    for (const option of ["experimentalDecorators", "useDefineForClassFields"] as const)
      if (inherited?.[option] !== undefined) result[option] = inherited[option];
  }
  const own = parsed.compilerOptions ?? {};
  if (typeof own.jsxImportSource === "string") result.jsxImportSource = own.jsxImportSource;
  for (const option of ["experimentalDecorators", "useDefineForClassFields"] as const)
    if (typeof own[option] === "boolean") result[option] = own[option] as boolean;
  if (typeof own.paths === "object" && own.paths !== null) {
    // Targets are relative to baseUrl, or without it to the config that declares them.
    const base = typeof own.baseUrl === "string" ? joinImportPath(dir, own.baseUrl) : dir;
    result.paths = Object.entries(own.paths as Record<string, unknown>).flatMap(([pattern, targets]) =>
      Array.isArray(targets)
        ? [
            {
              pattern,
              targets: targets
                .filter((target): target is string => typeof target === "string")
                .map((target) => joinImportPath(base, target)),
            },
          ]
        : [],
    );
  }
  result.references = (parsed.references ?? []).flatMap((ref) => (typeof ref?.path === "string" ? [joinImportPath(dir, ref.path)] : []));
  return result;
}
