// The fake model's scenarios for test/security-agent.test.ts (Node side, see fake-anthropic.ts):
// a model that tries what a prompt-injected one would.
import { defineScenario, type Step } from "./fake-anthropic.ts";

let ids = 0;
const use = (name: string, input: unknown, id = `toolu_sec${String(++ids).padStart(4, "0")}`) => ({
  type: "tool_use" as const,
  id,
  name,
  input,
});
const done = (): Step => ({ content: [{ type: "text", text: "Done." }] });

// preview.fetch with paths that resolve against the draft's URL itself, then a build that announces the preview.
defineScenario("preview-token", [
  {
    content: [
      use("execute", {
        code: 'async () => { const seen = []; for (const path of ["", "?", "#x", "?access=forged"]) seen.push(await (await preview.fetch(path)).text()); return seen; }',
      }),
    ],
  },
  { content: [use("build_and_test", {})] },
  done(),
]);

// Tool inputs that do not match their schemas, each in its own call, beside one that does.
defineScenario("bad-inputs", [
  {
    content: [
      use("str_replace_based_edit_tool", { command: "view", path: { toString: 1 } }),
      use("str_replace_based_edit_tool", null),
      use("execute", { code: { source: "async () => 1" } }),
      use("str_replace_based_edit_tool", { command: "explode", path: "a.txt" }),
      use("str_replace_based_edit_tool", { command: "insert", path: "a.txt", insert_line: "3", insert_text: "x" }),
      use("build_and_test", ["now"]),
      use("str_replace_based_edit_tool", { command: "create", path: "ok.txt", file_text: "fine\n" }),
    ],
  },
  done(),
]);

// Two turns whose calls have the same tool_use id: the second is a call of its own.
defineScenario("same-id-first", [
  { content: [use("str_replace_based_edit_tool", { command: "create", path: "first.txt", file_text: "1\n" }, "toolu_same")] },
  done(),
]);
defineScenario("same-id-second", [
  { content: [use("str_replace_based_edit_tool", { command: "create", path: "second.txt", file_text: "2\n" }, "toolu_same")] },
  done(),
]);

// A model call that takes a while: the project is deleted while the turn waits for it.
defineScenario("slow-model", [{ delayMs: 2000, content: [{ type: "text", text: "Still thinking." }] }]);

// 40 MB of console output, more than an RPC answer holds: the result still comes back.
defineScenario("log-flood", [
  {
    content: [
      use("execute", { code: 'async () => { for (let i = 0; i < 400; i++) console.log(String(i).padEnd(100000, "x")); return "done"; }' }),
    ],
  },
  done(),
]);
