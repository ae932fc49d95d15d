import { parse as acornParse } from "acorn";
import { transform } from "sucrase";
import type { BuildError } from "../interface";

/**
 * What the build takes from a project's vite.config.{ts,mts,js,mjs}, read as
 * code, never run: the plugins it names, `resolve.alias`, `define`, and the
 * options the build does not support, each with its line. Plugins the build
 * itself stands in for (React's, Preact's, Svelte's, Vue's, Solid's, Cloudflare's) are fine; framework
 * compilers it does not run yet are errors; any other plugin is a warning
 * that it is not run.
 */
export interface ViteConfig {
  file?: string;
  /** Aliases as tsconfig-style patterns (`@` and `@/*`), targets as project paths or packages. */
  aliases: { pattern: string; targets: string[] }[];
  /** esbuild `define`s for client code. */
  define: Record<string, string>;
  /** A JSX source a plugin sets (`@preact/preset-vite` → preact). */
  jsxImportSource?: string;
  /** A compiler a plugin runs on JSX files instead of esbuild's JSX (vite-plugin-solid → Solid's). */
  jsxCompiler?: "solid";
  /** Plugins installed though no module imports them: the compilers the build runs come with them. */
  compilerPackages: string[];
  /** Where the app's files are and where it is served (`root`, `publicDir`, `base`). */
  layout: ViteLayout;
  errors: BuildError[];
  warnings: string[];
}

/** Vite's `root`, `publicDir` and `base`, as project paths and a URL. */
export interface ViteLayout {
  /** The directory of index.html, public/ and the .env files, and of `/`-imports: "" (the project's) or "web/". */
  root: string;
  /** The directory copied as is to the base URL ("public/" under root), or null (`publicDir: false`). */
  publicDir: string | null;
  /** The URL path the app is served under: "/" or "/app/". */
  base: string;
}

export const DEFAULT_LAYOUT: ViteLayout = { root: "", publicDir: "public/", base: "/" };

const FILES = ["vite.config.ts", "vite.config.mts", "vite.config.js", "vite.config.mjs"];

/** Plugins whose work the build does itself. */
const STANDS_IN: Record<string, { jsxImportSource?: string; aliases?: Record<string, string>; jsxCompiler?: "solid" }> = {
  "@vitejs/plugin-react": {},
  "@vitejs/plugin-react-swc": {},
  "@cloudflare/vite-plugin": {},
  // Components compiled by the project's own svelte or vue, in the sandbox (see compilers/).
  "@sveltejs/vite-plugin-svelte": {},
  "@vitejs/plugin-vue": {},
  // Babel and babel-preset-solid, from the plugin's own dependencies, in the sandbox (see compilers/solid.ts).
  "vite-plugin-solid": { jsxCompiler: "solid" },
  "@preact/preset-vite": { jsxImportSource: "preact", aliases: { react: "preact/compat", "react-dom": "preact/compat" } },
};
/** Framework compilers the build does not run yet: a project that needs one cannot build. */
const UNSUPPORTED: Record<string, string> = {
  "@vitejs/plugin-vue-jsx": "Vue's JSX",
};

/** Options of the dev server, the output directory, the test runner: nothing of them changes what a preview serves. */
const NOT_FOR_PREVIEWS = new Set([
  "server",
  "preview",
  "build",
  "optimizeDeps",
  "test",
  "clearScreen",
  "logLevel",
  "customLogger",
  "cacheDir",
  "mode",
  "appType",
  "ssr",
  "legacy",
  "builder",
]);
/** `resolve` options that change nothing here: node_modules is flat, symlinks do not exist. */
const RESOLVE_NOT_FOR_PREVIEWS = new Set(["dedupe", "preserveSymlinks"]);

type Node = { type: string; loc?: { start: { line: number } }; [key: string]: unknown };

/** The last config read, by file and text: every build reads it, and edits rarely change it. */
let last: { key: string; config: ViteConfig } | undefined;

export function readViteConfig(read: (path: string) => string | null): ViteConfig {
  const file = FILES.find((path) => read(path) !== null);
  if (!file) return { aliases: [], define: {}, compilerPackages: [], layout: DEFAULT_LAYOUT, errors: [], warnings: [] };
  const key = `${file}\0${read(file)}`;
  if (last?.key !== key) last = { key, config: parseViteConfig(file, read) };
  return last.config;
}

function parseViteConfig(file: string, read: (path: string) => string | null): ViteConfig {
  const config: ViteConfig = { file, aliases: [], define: {}, compilerPackages: [], layout: DEFAULT_LAYOUT, errors: [], warnings: [] };
  let program: Node;
  try {
    const code = transform(read(file)!, { transforms: ["typescript"], disableESTransforms: true, keepUnusedImports: true }).code;
    program = acornParse(code, { ecmaVersion: "latest", sourceType: "module", locations: true }) as unknown as Node;
  } catch (error) {
    config.warnings.push(`${file} could not be read (${(error as Error).message}); its settings are not applied.`);
    return config;
  }
  const imports = new Map<string, string>();
  for (const statement of program.body as Node[]) {
    if (statement.type !== "ImportDeclaration") continue;
    for (const specifier of statement.specifiers as Node[])
      imports.set((specifier.local as { name: string }).name, (statement.source as { value: string }).value);
  }
  const options = exportedObject(program);
  if (!options) {
    config.warnings.push(`${file}: its exported config is not an object literal the build can read; its settings are not applied.`);
    return config;
  }
  const line = (node: Node) => node.loc?.start.line ?? 1;
  const layout: Partial<Record<"root" | "publicDir" | "base", Node>> = {};
  for (const property of options.properties as Node[]) {
    const name = keyOf(property);
    const value = property.value as Node;
    if (name === "plugins" && value.type === "ArrayExpression") {
      for (const element of value.elements as Node[]) plugin(element, imports, config, file, line(element));
    } else if (name === "resolve" && value.type === "ObjectExpression") {
      for (const option of value.properties as Node[]) {
        const key = keyOf(option);
        if (key === "alias") aliases(option.value as Node, config, file, line);
        else if (!RESOLVE_NOT_FOR_PREVIEWS.has(key ?? ""))
          config.warnings.push(`${file}:${line(option)}: resolve.${key ?? "(computed)"} is not applied by the build.`);
      }
    } else if (name === "define" && value.type === "ObjectExpression") {
      for (const entry of value.properties as Node[]) {
        const key = keyOf(entry);
        const literal = key === undefined ? undefined : defineValue(entry.value as Node);
        if (key !== undefined && literal !== undefined) config.define[key] = literal;
        else
          config.warnings.push(
            `${file}:${line(entry)}: define ${key ?? "(computed)"} is not a literal or JSON.stringify of one; it is not applied.`,
          );
      }
    } else if (name === "base" || name === "root" || name === "publicDir") {
      layout[name] = value;
    } else if (!NOT_FOR_PREVIEWS.has(name ?? "") && name !== "plugins") {
      config.warnings.push(`${file}:${line(property)}: ${name ?? "a computed option"} is not applied by the build.`);
    }
  }
  config.layout = readLayout(layout, file, config);
  return config;
}

/**
 * `root`, `publicDir` and `base` as Vite resolves them: root and publicDir
 * relative to the project (publicDir to root), base with slashes around it.
 * A value the build cannot read statically is an error at its line.
 */
function readLayout(values: Partial<Record<"root" | "publicDir" | "base", Node>>, file: string, config: ViteConfig): ViteLayout {
  const text = (name: "root" | "publicDir" | "base"): string | false | undefined => {
    const node = values[name];
    if (!node) return undefined;
    if (node.type === "Literal" && (typeof node.value === "string" || (name === "publicDir" && node.value === false)))
      return node.value as string | false;
    const path = name === "base" ? undefined : pathOf(node);
    if (path !== undefined) return path.replace(/^\//, "");
    config.errors.push({
      file,
      line: node.loc?.start.line ?? 1,
      message: `${file}: ${name} is not a string the build can read (write it as a literal, or path.resolve(__dirname, "dir")).`,
    });
    return undefined;
  };
  const directory = (path: string) => {
    const clean = path.replace(/^\.?\//, "").replace(/\/+$/, "");
    return clean === "" || clean === "." ? "" : `${clean}/`;
  };
  const root = text("root");
  const publicDir = text("publicDir");
  const base = text("base");
  const rootDir = typeof root === "string" ? directory(root) : "";
  return {
    root: rootDir,
    publicDir: publicDir === false ? null : rootDir + (typeof publicDir === "string" ? directory(publicDir) : "public/"),
    // A relative base ("./", "") serves as "/": every page is at the root of its preview.
    base: typeof base === "string" && base.startsWith("/") ? `/${base.replace(/^\/+|\/+$/g, "")}/`.replace(/^\/\/$/, "/") : "/",
  };
}

function plugin(element: Node, imports: Map<string, string>, config: ViteConfig, file: string, line: number): void {
  const callee = element.type === "CallExpression" ? (element.callee as Node) : element;
  const local =
    callee.type === "Identifier"
      ? (callee.name as string)
      : callee.type === "MemberExpression"
        ? ((callee.object as Node).name as string)
        : undefined;
  const source = local === undefined ? undefined : imports.get(local);
  if (source === undefined) {
    if (element.type !== "Literal" && element.type !== "Identifier")
      config.warnings.push(`${file}:${line}: a plugin the build cannot identify is not run.`);
    return;
  }
  const standIn = STANDS_IN[source];
  if (standIn) {
    if (standIn.jsxImportSource) config.jsxImportSource = standIn.jsxImportSource;
    if (standIn.jsxCompiler) {
      config.jsxCompiler = standIn.jsxCompiler;
      config.compilerPackages.push(source);
    }
    for (const [from, to] of Object.entries(standIn.aliases ?? {})) config.aliases.push({ pattern: from, targets: [to] });
    return;
  }
  const unsupported = UNSUPPORTED[source];
  if (unsupported) {
    config.errors.push({ file, line, message: `${file} uses ${source}: ${unsupported} is not supported by the build yet.` });
    return;
  }
  config.warnings.push(`${file}:${line}: the plugin ${source} is not run by the build; what it adds to the app is missing.`);
}

/** `alias: { "@": path.resolve(__dirname, "./src") }` or `alias: [{ find: "@", replacement: "/src" }]`. */
function aliases(alias: Node, config: ViteConfig, file: string, line: (node: Node) => number): void {
  const add = (find: string | undefined, replacement: Node, at: Node) => {
    const target = find === undefined ? undefined : pathOf(replacement);
    if (find === undefined || target === undefined) {
      config.warnings.push(`${file}:${line(at)}: an alias the build cannot read is not applied.`);
      return;
    }
    // Vite's string alias matches the name itself or the name followed by "/".
    config.aliases.push({ pattern: find, targets: [target] }, { pattern: `${find}/*`, targets: [`${target}/*`] });
  };
  if (alias.type === "ObjectExpression") for (const entry of alias.properties as Node[]) add(keyOf(entry), entry.value as Node, entry);
  else if (alias.type === "ArrayExpression")
    for (const entry of alias.elements as Node[]) {
      const props = entry.type === "ObjectExpression" ? (entry.properties as Node[]) : [];
      const find = props.find((each) => keyOf(each) === "find")?.value as Node | undefined;
      const replacement = props.find((each) => keyOf(each) === "replacement")?.value as Node | undefined;
      add(find?.type === "Literal" && typeof find.value === "string" ? find.value : undefined, replacement ?? entry, entry);
    }
}

/**
 * The project path or package an alias replacement names: a string, or the
 * last string of `path.resolve(__dirname, "src")`, `fileURLToPath(new
 * URL("./src", import.meta.url))` and the like.
 */
function pathOf(node: Node): string | undefined {
  const strings: string[] = [];
  const walk = (each: Node) => {
    if (each.type === "Literal" && typeof each.value === "string") strings.push(each.value);
    for (const key of ["arguments", "expressions", "quasis"]) for (const child of (each[key] as Node[] | undefined) ?? []) walk(child);
    if (each.type === "TemplateElement") strings.push((each.value as { cooked: string }).cooked);
  };
  walk(node);
  const last = strings.filter((each) => each !== "" && !/^\.?\/?$/.test(each)).at(-1);
  if (last === undefined) return undefined;
  if (last.startsWith("./") || last.startsWith("/") || last.startsWith("../") || !/^[@a-z]/i.test(last))
    return `/${last.replace(/^\.?\//, "")}`;
  // A bare name relative to the config's directory (path.resolve(__dirname, "src")) or a package.
  return node.type === "Literal" ? last : `/${last}`;
}

function defineValue(node: Node): string | undefined {
  if (node.type === "Literal") return JSON.stringify(node.value);
  const callee = node.callee as Node | undefined;
  if (
    node.type === "CallExpression" &&
    callee?.type === "MemberExpression" &&
    (callee.object as Node).name === "JSON" &&
    (callee.property as Node).name === "stringify"
  ) {
    const value = literal((node.arguments as Node[])[0]);
    return value === undefined ? undefined : JSON.stringify(JSON.stringify(value));
  }
  return undefined;
}

function literal(node: Node | undefined): unknown {
  if (!node) return undefined;
  if (node.type === "Literal") return node.value;
  if (node.type === "ArrayExpression") return (node.elements as Node[]).map(literal);
  if (node.type === "ObjectExpression")
    return Object.fromEntries((node.properties as Node[]).map((each) => [keyOf(each), literal(each.value as Node)]));
  return undefined;
}

function keyOf(property: Node): string | undefined {
  const key = property.key as Node | undefined;
  if (!key || property.computed) return undefined;
  return key.type === "Identifier" ? (key.name as string) : typeof key.value === "string" ? key.value : undefined;
}

/** The object of `export default defineConfig({…})`, `export default {…}` or `defineConfig(() => ({…}))`. */
function exportedObject(program: Node): Node | undefined {
  const exported = (program.body as Node[]).find((statement) => statement.type === "ExportDefaultDeclaration")?.declaration as
    | Node
    | undefined;
  let node = exported;
  if (node?.type === "CallExpression") node = (node.arguments as Node[])[0];
  if (node?.type === "ArrowFunctionExpression" || node?.type === "FunctionExpression") {
    const body = node.body as Node;
    node =
      body.type === "BlockStatement" ? ((body.body as Node[]).find((each) => each.type === "ReturnStatement")?.argument as Node) : body;
  }
  return node?.type === "ObjectExpression" ? node : undefined;
}
