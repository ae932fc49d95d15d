import { parse as acornParse } from "acorn";
import { init, parse, type Import } from "es-module-lexer/js";
import { transform, type Transform } from "sucrase";
import { hashBytes } from "../../store";

/** One project file turned into a plain ES module, with what it imports and exports. */
export interface TransformedModule {
  code: string;
  imports: Import[];
  exportNames: string[];
}

const SOURCE = /\.(tsx?|mts|jsx?|mjs)$/;

/**
 * What sucrase compiles differently from esbuild, or leaves to a runtime
 * that lacks it: TypeScript namespaces with values (sucrase drops them),
 * decorators (left as written), and CommonJS (`require`, `module.exports`,
 * `import x = require()`, `export =`), which only a bundler links. A false
 * alarm (say "@" in a string) only means the file is bundled.
 */
const NEEDS_BUNDLER = [
  /(^|[^\w$.])(namespace|module)\s+[A-Za-z_$][\w$.]*\s*\{/m,
  /(^|[\s(,;{}])@[A-Za-z_$]/m,
  /(^|[^\w$.])require\s*\(/m,
  /\b(module\.exports|exports\.[\w$]+\s*=)/,
  /\bexport\s*=/,
];
/** Transformed modules by content, shared by the projects of this isolate; bounded by total size. */
const kept = new Map<string, TransformedModule | null>();
const KEPT_CHARS = 32 * 1024 * 1024;
let keptChars = 0;

function remember(key: string, module: TransformedModule | null): void {
  const size = module?.code.length ?? 0;
  if (size > KEPT_CHARS / 16) return;
  kept.set(key, module);
  keptChars += size;
  while (keptChars > KEPT_CHARS) {
    const [oldest, dropped] = kept.entries().next().value!;
    kept.delete(oldest);
    keptChars -= dropped?.code.length ?? 0;
  }
}

/** True for the files the module path transforms (TypeScript, JSX, JavaScript). */
export function isSourceModule(path: string): boolean {
  return SOURCE.test(path);
}

/**
 * TypeScript and JSX to JavaScript, file by file, without bundling: sucrase
 * strips types and compiles JSX in well under a millisecond for a typical
 * file, keeping every line where it was (stack traces stay right), and the
 * result is kept by content hash so an edit transforms only the file it
 * changed. Null when sucrase cannot handle the file (a syntax error, or a
 * feature it lacks such as decorators): the caller then bundles instead,
 * which reports located errors.
 */
export async function transformModule(
  path: string,
  source: string,
  jsxImportSource: string | undefined,
): Promise<TransformedModule | null> {
  const key = hashBytes(new TextEncoder().encode(JSON.stringify([path.replace(/^.*\./, ""), jsxImportSource ?? "", source])));
  const known = kept.get(key);
  if (known !== undefined) return known;
  await init;
  let result: TransformedModule | null = null;
  try {
    if (NEEDS_BUNDLER.some((pattern) => pattern.test(source))) throw new Error("Left to the bundler.");
    const code = transform(source, {
      transforms: transformsFor(path),
      jsxRuntime: "automatic",
      jsxImportSource: jsxImportSource ?? "react",
      production: true,
      disableESTransforms: true,
      filePath: path,
    }).code;
    // sucrase does not check what esbuild and the runtime refuse (a name declared twice,
    // await outside async, exporting an undeclared name): acorn does, and the file is then bundled.
    result = await moduleOf(path, code);
  } catch {
    // Sucrase's own error, or a construct above: bundled instead.
  }
  remember(key, result);
  return result;
}

/**
 * Plain JavaScript as a module, with what it imports and exports. acorn
 * checks what esbuild and the runtime refuse and sucrase does not (a name
 * declared twice, await outside async, exporting an undeclared name): it throws,
 * and the file is then bundled.
 */
export async function moduleOf(path: string, code: string): Promise<TransformedModule> {
  await init;
  acornParse(code, { ecmaVersion: "latest", sourceType: "module" });
  const [imports, exports] = parse(code, path);
  return {
    code,
    imports: [...imports],
    exportNames: exports.flatMap((entry) => ("name" in entry && typeof entry.name === "string" ? [entry.name] : [])),
  };
}

function transformsFor(path: string): Transform[] {
  if (path.endsWith(".tsx")) return ["typescript", "jsx"];
  if (path.endsWith(".ts") || path.endsWith(".mts")) return ["typescript"];
  // JSX in .js too, as projects from Create React App write it (esbuild's jsx loader, in the bundled build).
  if (path.endsWith(".jsx") || path.endsWith(".js")) return ["jsx"];
  return [];
}

/** What one static import or re-export statement binds, read from its clause. */
export type ImportClause =
  | { kind: "side-effect" }
  | { kind: "import"; default?: string; namespace?: string; named: [imported: string, local: string][] }
  | { kind: "re-export"; named: [imported: string, exported: string][] }
  | { kind: "re-export-all" };

const IDENT = "[A-Za-z_$][\\w$]*";
const NAMED = new RegExp(`^(${IDENT})(?:\\s+as\\s+(${IDENT}))?$`);

/** Parses `import a, { b as c } from` / `export { d } from` (the text before the specifier's quote); undefined when unsure. */
export function parseClause(text: string): ImportClause | undefined {
  let rest = text.trim();
  if (rest.startsWith("export")) {
    rest = rest.slice("export".length).trim();
    if (!rest.endsWith("from")) return undefined;
    rest = rest.slice(0, -"from".length).trim();
    if (rest === "*") return { kind: "re-export-all" };
    const named = rest.startsWith("{") && rest.endsWith("}") ? parseNamed(rest.slice(1, -1)) : undefined;
    return named && { kind: "re-export", named };
  }
  if (!rest.startsWith("import")) return undefined;
  rest = rest.slice("import".length).trim();
  if (rest === "") return { kind: "side-effect" };
  if (!rest.endsWith("from")) return undefined;
  rest = rest.slice(0, -"from".length).trim();
  const clause: ImportClause & { kind: "import" } = { kind: "import", named: [] };
  const first = new RegExp(`^(${IDENT})\\s*(?:,\\s*|$)`).exec(rest);
  if (first && !rest.startsWith("{")) {
    clause.default = first[1]!;
    rest = rest.slice(first[0].length);
  }
  const namespace = new RegExp(`^\\*\\s*as\\s+(${IDENT})$`).exec(rest);
  if (namespace) clause.namespace = namespace[1]!;
  else if (rest.startsWith("{") && rest.endsWith("}")) {
    const named = parseNamed(rest.slice(1, -1));
    if (!named) return undefined;
    clause.named = named;
  } else if (rest !== "") return undefined;
  return clause;
}

function parseNamed(body: string): [string, string][] | undefined {
  const names: [string, string][] = [];
  for (const part of body.split(",").map((entry) => entry.trim())) {
    if (part === "") continue;
    const match = NAMED.exec(part);
    if (!match) return undefined;
    names.push([match[1]!, match[2] ?? match[1]!]);
  }
  return names;
}
