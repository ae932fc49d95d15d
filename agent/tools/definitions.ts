import type { ToolUnion } from "@anthropic-ai/sdk/resources/messages";

/** The tools the model sees (docs/api.md, Tools the model sees), as a closed set of names. */
export const TOOL_NAMES = ["str_replace_based_edit_tool", "execute", "build_and_test"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export const TOOLS: ToolUnion[] = [
  // Anthropic's own text editor tool: the model is trained on it, so no schema is sent.
  { type: "text_editor_20250728", name: "str_replace_based_edit_tool" },
  {
    name: "execute",
    description:
      "Run an async JavaScript arrow function in a fresh sandbox, e.g. `async () => { ... }`. It gets `state` (the project's files: " +
      "state.readFile(path), state.writeFile(path, text), state.glob(pattern), state.searchFiles(query), state.replaceInFiles(...), " +
      "state.rm(path), state.mv(from, to), paths absolute like /src/App.tsx) and `preview.fetch(path, init?)` (a request to the " +
      "draft's running build, returning a Response). No network and no other project. Returns {result, logs, error?}; if the " +
      "function throws, none of its file changes are kept.",
    input_schema: {
      type: "object",
      properties: { code: { type: "string", description: "An async arrow function; its return value is `result`." } },
      required: ["code"],
    },
  },
  {
    name: "build_and_test",
    description:
      "Build the draft, boot it and run the project's *.test.ts files. Returns {ok, build: {ok, errors}, tests: {passed, failed, " +
      "failures: [{name, error}]}, previewUrl}; errors and failures carry file:line:column. Run it after your edits and before you finish.",
    input_schema: { type: "object", properties: {} },
  },
];

/** The tool list with a cache breakpoint on its last entry, so tools and system prompt are cached together. */
export function cachedTools(): ToolUnion[] {
  return TOOLS.map((tool, index) => (index === TOOLS.length - 1 ? { ...tool, cache_control: { type: "ephemeral" } } : tool));
}
