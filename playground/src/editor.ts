import { css } from "@codemirror/lang-css";
import { html } from "@codemirror/lang-html";
import { javascript } from "@codemirror/lang-javascript";
import { json } from "@codemirror/lang-json";
import { markdown } from "@codemirror/lang-markdown";
import { EditorState, type Extension } from "@codemirror/state";
import { EditorView, basicSetup } from "codemirror";

/** The language of a path, by extension. */
function language(path: string): Extension {
  const extension = path.split(".").at(-1)!.toLowerCase();
  if (["ts", "tsx", "js", "jsx", "mjs", "cjs", "mts"].includes(extension))
    return javascript({ typescript: extension.includes("ts"), jsx: extension.endsWith("x") });
  if (extension === "css") return css();
  if (extension === "html") return html();
  if (["json", "jsonc"].includes(extension)) return json();
  if (extension === "md") return markdown();
  return [];
}

/** A CodeMirror 6 editor in `parent`; `onChange` hears every edit. */
export function createEditor(
  parent: HTMLElement,
  path: string,
  text: string,
  readOnly: boolean,
  onChange: (text: string) => void,
): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        basicSetup,
        language(path),
        EditorState.readOnly.of(readOnly),
        EditorView.editable.of(!readOnly),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
}

/** Scrolls to a 1-based line and puts the cursor there. */
export function goToLine(view: EditorView, line: number): void {
  const target = view.state.doc.line(Math.min(Math.max(1, line), view.state.doc.lines));
  view.dispatch({ selection: { anchor: target.from }, effects: EditorView.scrollIntoView(target.from, { y: "center" }) });
  view.focus();
}
