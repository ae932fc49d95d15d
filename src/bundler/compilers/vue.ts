import { transform } from "sucrase";
import type { CompilerKind } from "./compiler";

/**
 * Vue single-file components compiled as @vitejs/plugin-vue compiles them for
 * `vite build`: `<script setup>` with its template inlined (or a `<script>`
 * and a separately compiled template), scoped styles under the component's
 * `data-v-<id>` attribute, its CSS added to the page by the module, production.
 */
export const VUE: CompilerKind = {
  name: "Vue",
  package: "vue",
  entry: `import { parse, compileScript, compileTemplate, compileStyle } from "vue/compiler-sfc";
const located = (message, loc) => ({ error: { message: String(message), line: loc?.start?.line, column: loc?.start?.column } });
export default {
  async fetch(request) {
    const { filename, source, id } = await request.json();
    try {
      const { descriptor, errors } = parse(source, { filename });
      if (errors.length > 0) return Response.json(located(errors[0].message ?? errors[0], errors[0].loc));
      const scoped = descriptor.styles.some((style) => style.scoped);
      const scopeId = "data-v-" + id;
      const compilerOptions = scoped ? { scopeId } : {};
      let code = "const _sfc_main = {};";
      let lang = "js";
      if (descriptor.script || descriptor.scriptSetup) {
        const script = compileScript(descriptor, { id, isProd: true, inlineTemplate: true, genDefaultAs: "_sfc_main", templateOptions: { compilerOptions } });
        code = script.content;
        lang = script.lang ?? "js";
      }
      if (descriptor.template && !descriptor.scriptSetup) {
        const template = compileTemplate({ source: descriptor.template.content, filename, id, scoped, isProd: true, compilerOptions });
        if (template.errors.length > 0) return Response.json(located(template.errors[0].message ?? template.errors[0], template.errors[0].loc));
        code += "\\n" + template.code.replace(/\\bexport function render\\b/, "function _sfc_render") + "\\n_sfc_main.render = _sfc_render;";
      }
      const css = descriptor.styles.map((style) => compileStyle({ source: style.content, filename, id: scopeId, scoped: style.scoped, isProd: true }).code).join("\\n");
      if (scoped) code += "\\n_sfc_main.__scopeId = " + JSON.stringify(scopeId) + ";";
      if (css) code += "\\nconst _sfc_style = document.createElement(\\"style\\");\\n_sfc_style.dataset.source = " + JSON.stringify(filename) + ";\\n_sfc_style.textContent = " + JSON.stringify(css) + ";\\ndocument.head.appendChild(_sfc_style);";
      code += "\\nexport default _sfc_main;\\n";
      return Response.json({ js: code, lang, warnings: [] });
    } catch (error) {
      return Response.json(located(error?.message ?? error, error?.loc));
    }
  },
};
`,
  // `<script setup lang="ts">` comes out as TypeScript: its types are stripped here, as plugin-vue's transform does.
  finish: (js, answer, filename) =>
    answer.lang === "ts" ? transform(js, { transforms: ["typescript"], disableESTransforms: true, filePath: `${filename}.ts` }).code : js,
};
