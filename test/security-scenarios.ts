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

