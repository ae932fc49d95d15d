import { transform } from "sucrase";
import type { CompilerKind } from "./compiler";

/**
 * Solid's JSX compiled as vite-plugin-solid compiles it for `vite build`:
 * Babel with babel-preset-solid (both installed with the project's
 * vite-plugin-solid), DOM output, not hydratable. Babel parses TypeScript
 * but keeps it, as the plugin does; Vite then strips it, here `finish` does.
 */
export const SOLID: CompilerKind = {
  name: "Solid",
  package: "babel-preset-solid",
  // @babel/core imports `assert` and `path`.
  nodejsCompat: true,
  entry: `import { transformAsync } from "@babel/core";
import solid from "babel-preset-solid";
export default {
  async fetch(request) {
    const { filename, source } = await request.json();
    try {
      const result = await transformAsync(source, {
        filename,
        sourceFileName: filename,
        presets: [[solid, { generate: "dom", hydratable: false }]],
        ast: false,
        sourceMaps: false,
        configFile: false,
        babelrc: false,
        parserOpts: { plugins: /\\.[mc]?tsx$/i.test(filename) ? ["jsx", "typescript"] : ["jsx"] },
      });
      return Response.json({ js: result.code, warnings: [] });
    } catch (error) {
      // Babel's message starts with the file's path and ends with a code frame.
      const message = String(error?.message ?? error).split("\\n")[0].replace(/^[^:]*: /, "");
      return Response.json({ error: { message, line: error?.loc?.line, column: error?.loc?.column } });
    }
  },
};
`,
  finish: (js, _answer, filename) =>
    /\.[mc]?tsx$/i.test(filename)
      ? transform(js, { transforms: ["typescript"], disableESTransforms: true, filePath: filename.replace(/x$/, "") }).code
      : js,
};

/** The files vite-plugin-solid compiles. */
export const SOLID_FILES = /\.[mc]?[jt]sx$/i;
