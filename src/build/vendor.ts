import { createApp, type InMemoryFileSystem } from "@cloudflare/worker-bundler";
import { hashBytes } from "../store";
import { cssInjectionPlugin } from "./css-plugin";
import { CHECKING, type PluginBuild } from "./imports";
import type { VendorCache } from "./interface";

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
export function dependencyShimPlugin(used: Set<string>) {
  return {
    name: "dependency-shim",
    setup(build: PluginBuild) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === CHECKING || args.path.includes(":")) return undefined;
        if (args.importer.replace(/^virtual:/, "").startsWith("node_modules/")) return undefined;
        const { path: _path, ...options } = args;
        const resolved = await build.resolve(args.path, { ...options, pluginData: CHECKING });
        // Unresolvable imports are left to the unresolved-imports plugin to report.
        if (resolved.external || !resolved.path.startsWith("node_modules/")) return undefined;
        used.add(args.path);
        return { path: args.path, namespace: "dependency-shim" };
      });
      build.onLoad({ filter: /.*/, namespace: "dependency-shim" }, (args) => ({
        contents: `module.exports = globalThis.${GLOBAL}[${JSON.stringify(args.path)}];\n`,
        loader: "js",
      }));
    },
  };
}

/** The entry of a vendor bundle: requires each used dependency into the global table. */
function vendorEntry(specifiers: string[]): string {
  const entries = specifiers.map((specifier) => `  ${JSON.stringify(specifier)}: require(${JSON.stringify(specifier)}),`);
  return `globalThis.${GLOBAL} = {\n${entries.join("\n")}\n};\n`;
}

/**
 * The vendor bundle of one side for a dependency set and the imports the app
 * uses, from the cache or built now. `key` identifies it.
 */
export async function buildVendor(options: {
  fs: InMemoryFileSystem;
  side: "browser" | "worker";
  specifiers: string[];
  dependencyKey: string;
  cache: VendorCache;
  bundle: { jsx: "automatic"; jsxImportSource?: string };
  /** A trivial server entry, for building the browser side. */
  server: string;
}): Promise<{ key: string; code: string }> {
  const { fs, side, specifiers } = options;
  const key = hashBytes(new TextEncoder().encode(JSON.stringify([options.dependencyKey, side, specifiers])));
  const cached = await options.cache.get(key);
  if (cached !== null) return { key, code: cached };
  const entry = `.build/${side}-vendor.js`;
  fs.write(entry, vendorEntry(specifiers));
  const plugins = [cssInjectionPlugin((file) => fs.read(file))];
  const result =
    side === "browser"
      ? await createApp({ ...options.bundle, files: fs, server: options.server, client: entry, __dangerouslyUseEsBuildPluginsDoNotUseOrYouWillBeFired: plugins })
      : await createApp({ ...options.bundle, files: fs, server: entry });
  const code = side === "browser" ? String(result.assets[result.clientBundles![0]!]) : String(result.modules[result.mainModule]);
  await options.cache.put(key, code);
  return { key, code };
}

/**
 * The worker's modules: with a vendor, an entry that runs the vendor first and
 * re-exports the app (ES modules evaluate their imports in order).
 */
export function serverModules(app: string, vendor: string | undefined): { mainModule: string; modules: Record<string, string> } {
  if (vendor === undefined) return { mainModule: "bundle.js", modules: { "bundle.js": app } };
  const hasDefault = /\bas default\b|\bexport default\b/.test(app);
  const entry = `import "./dependencies.js";\nexport * from "./app.js";\n${hasDefault ? 'export { default } from "./app.js";\n' : ""}`;
  return { mainModule: "index.js", modules: { "index.js": entry, "dependencies.js": vendor, "app.js": app } };
}
