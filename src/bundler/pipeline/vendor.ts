import { InMemoryFileSystem } from "@cloudflare/worker-bundler";
import { bundleSide } from "./bundle";
import { hashBytes } from "../../store";
import { cssInjectionPlugin } from "./css-plugin";
import { importsPlugin, type Unresolved } from "./imports";
import type { VendorCache } from "../interface";

/** Where the browser finds pre-bundled dependencies: the vendor script fills it before the app runs. */
const GLOBAL = "__appDependencies";

/**
 * Dependencies are bundled for the browser once per dependency set (the
 * "vendor" script), and the app's own code is bundled without them: each
 * bare import of a dependency becomes a tiny CommonJS module reading the
 * vendor's export. Being CommonJS, esbuild turns `import { useState } from
 * "react"` into a property read, so no export names need to be known ahead.
 * An edit then re-bundles only the app's code. The same holds for the
 * server: its vendor is a module the worker's entry imports before the app.
 */
/** The module a bare import of a dependency becomes in the app's bundle. */
export function shimSource(specifier: string): string {
  return `module.exports = globalThis.${GLOBAL}[${JSON.stringify(specifier)}];\n`;
}

/** What a shim module exports the package's whole namespace as (for `import * as X`). */
export const SHIM_NAMESPACE_EXPORT = "__namespace";

/**
 * The ES module a bare import becomes on the module path (module-build.ts):
 * the vendor's export with the interop esbuild gives a CommonJS import, and
 * the names the project imports from it.
 */
export function shimModuleSource(specifier: string, names: string[], namespace: boolean): string {
  const lines = [
    `const __shimDependency = globalThis.${GLOBAL}[${JSON.stringify(specifier)}];`,
    `const __shimEsModule = __shimDependency != null && __shimDependency.__esModule;`,
    `export default __shimEsModule ? __shimDependency.default : __shimDependency;`,
    // Through locals, so an export may have any name, a reserved word (zod's "enum") included.
    ...names.map((name, i) => `const __shimExport${i} = __shimDependency[${JSON.stringify(name)}];`),
  ];
  if (names.length > 0) lines.push(`export { ${names.map((name, i) => `__shimExport${i} as ${name}`).join(", ")} };`);
  if (namespace)
    lines.push(
      `export const ${SHIM_NAMESPACE_EXPORT} = __shimEsModule ? __shimDependency : { ...__shimDependency, default: __shimDependency };`,
    );
  return `${lines.join("\n")}\n`;
}

/** The dependencies an app bundle reads through shims (the inverse of shimSource). */
export function shimmedSpecifiers(app: string): string[] {
  const found = new Set<string>();
  for (const match of app.matchAll(new RegExp(`globalThis\\.${GLOBAL}\\[("(?:[^"\\\\]|\\\\.)*")\\]`, "g"))) {
    found.add(JSON.parse(match[1]!) as string);
  }
  return [...found];
}

/** The entry of a vendor bundle: requires each used dependency into the global table. */
function vendorEntry(specifiers: string[]): string {
  const entries = specifiers.map((specifier) => `  ${JSON.stringify(specifier)}: require(${JSON.stringify(specifier)}),`);
  return `globalThis.${GLOBAL} = {\n${entries.join("\n")}\n};\n`;
}

/**
 * The vendor bundle of one side for a dependency set and the imports the app
 * uses, from the cache or built now. `key` identifies it. Vendor bundles are
 * shared by every project with the same key, so one is built from the
 * installed packages alone: no file of the project that builds it can reach
 * (or leak into) another project's bundle.
 */
export async function buildVendor(options: {
  /** The installed node_modules files (path → text); read only when the vendor must be built. */
  dependencies: Record<string, string>;
  side: "browser" | "worker";
  specifiers: string[];
  dependencyKey: string;
  cache: VendorCache;
  jsxImportSource?: string;
  nodejsCompat: boolean;
  /** Imports the dependencies make that cannot be resolved are added here. */
  found: Unresolved[];
}): Promise<{ key: string; code: string }> {
  const { side, specifiers } = options;
  const nodejsCompat = side === "worker" && options.nodejsCompat;
  const key = hashBytes(
    new TextEncoder().encode(JSON.stringify([options.dependencyKey, side, specifiers, nodejsCompat, options.jsxImportSource ?? null])),
  );
  const cached = await options.cache.get(options.dependencyKey, key);
  if (cached !== null) return { key, code: cached };
  const entry = `.build/${side}-vendor.js`;
  // The bundler reads nodejs_compat from a wrangler file: the only project setting that shapes a vendor.
  const fs = new InMemoryFileSystem({
    ...options.dependencies,
    [entry]: vendorEntry(specifiers),
    ...(nodejsCompat ? { "wrangler.json": JSON.stringify({ compatibility_flags: ["nodejs_compat"] }) } : {}),
  });
  const read = (file: string) => fs.read(file);
  const checks = importsPlugin({ runtime: side, nodejsCompat, read, found: options.found });
  const plugins = side === "browser" ? [checks, cssInjectionPlugin(read)] : [checks];
  const bundled = await bundleSide({ side, fs, entries: [entry], plugins, jsxImportSource: options.jsxImportSource });
  const code = bundled.code[0]![1];
  if (options.found.length > 0) return { key, code };
  await options.cache.put(options.dependencyKey, key, code);
  return { key, code };
}

/**
 * The worker's modules: with a vendor, an entry that runs the vendor first and
 * re-exports the app (ES modules evaluate their imports in order).
 */
export function serverModules(app: string, vendor: string | undefined): { mainModule: string; modules: Record<string, string> } {
  if (vendor === undefined) return { mainModule: "bundle.js", modules: { "bundle.js": app } };
  const entry = serverEntryModule("./app.js", /\bas default\b|\bexport default\b/.test(app), true);
  return { mainModule: "index.js", modules: { "index.js": entry, "dependencies.js": vendor, "app.js": app } };
}

/** The worker's main module: runs the vendor (if any) first and passes the app's exports on. */
export function serverEntryModule(app: string, hasDefault: boolean, withVendor: boolean): string {
  const from = JSON.stringify(app);
  return `${withVendor ? 'import "./dependencies.js";\n' : ""}export * from ${from};\n${hasDefault ? `export { default } from ${from};\n` : ""}`;
}

/** The dependencies a built worker's own modules read (bundled or on the module path), without its vendor. */
export function appDependencies(server: { modules: Record<string, string> }): string[] {
  return shimmedSpecifiers(
    Object.entries(server.modules)
      .flatMap(([name, code]) => (name === "dependencies.js" ? [] : [code]))
      .join("\n"),
  );
}

/** A built worker with `vendor` as its dependencies module (a test run's vendor may cover more imports than the app's). */
export function withVendor(
  server: { mainModule: string; modules: Record<string, string> },
  vendor: string,
): { mainModule: string; modules: Record<string, string> } {
  const app = server.modules["app.js"] ?? server.modules["bundle.js"];
  if (app !== undefined) return serverModules(app, vendor);
  // The module path: its entry already runs dependencies.js first when the app has dependencies.
  return { mainModule: server.mainModule, modules: { ...server.modules, "dependencies.js": vendor } };
}
