import { joinImportPath } from "./imports";

/**
 * The bundler keeps only the first file esbuild writes, so a client's
 * `import "./styles.css"` would be lost with the .css output. This plugin
 * turns each CSS import into a module that adds a <style> tag, as Vite's dev
 * server does. (worker-bundler's plugin hook is not covered by semver; the
 * package is pinned.)
 */
export function cssInjectionPlugin(read: (path: string) => string | null) {
  return {
    name: "css-injection",
    setup(build: {
      onResolve(options: { filter: RegExp }, callback: (args: { path: string; resolveDir: string }) => unknown): void;
      onLoad(options: { filter: RegExp; namespace: string }, callback: (args: { path: string }) => unknown): void;
    }) {
      build.onResolve({ filter: /\.css$/ }, (args) => {
        const path = args.path.startsWith(".") ? joinImportPath(args.resolveDir, args.path) : `node_modules/${args.path}`;
        return { path, namespace: "css-injection" };
      });
      build.onLoad({ filter: /.*/, namespace: "css-injection" }, (args) => {
        const css = read(args.path);
        if (css === null) return { errors: [{ text: `Could not resolve "${args.path}"` }] };
        return {
          contents:
            `const style = document.createElement("style");\n` +
            `style.dataset.source = ${JSON.stringify(args.path)};\n` +
            `style.textContent = ${JSON.stringify(css)};\n` +
            `document.head.appendChild(style);\n`,
          loader: "js",
        };
      });
    },
  };
}
