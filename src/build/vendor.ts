import { CHECKING, type PluginBuild } from "./imports";

/** Where the browser finds pre-bundled dependencies: the vendor script fills it before the app runs. */
const GLOBAL = "__appDependencies";

/**
 * Dependencies are bundled for the browser once per dependency set (the
 * "vendor" script), and the app's own code is bundled without them: each
 * bare import of a dependency becomes a tiny CommonJS module reading the
 * vendor's export. Being CommonJS, esbuild turns `import { useState } from
 * "react"` into a property read, so no export names need to be known ahead.
 * An edit then re-bundles only the app's code.
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

/** The entry of the vendor bundle: requires each used dependency into the global table. */
export function vendorEntry(specifiers: string[]): string {
  const entries = specifiers.map((specifier) => `  ${JSON.stringify(specifier)}: require(${JSON.stringify(specifier)}),`);
  return `globalThis.${GLOBAL} = {\n${entries.join("\n")}\n};\n`;
}
