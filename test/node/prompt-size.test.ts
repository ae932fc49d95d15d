import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { TOOLS } from "../../agent/tools/definitions.ts";

// No Claude tokenizer is published, so the size is estimated on the safe side: 3.5
// characters a token (English prose and JSON run nearer 4), plus 20%, plus what the API
// adds itself for tool use (~350 tokens) and the text editor tool's definition (~700).
const HIDDEN_TOOL_TOKENS = 350 + 700;
const estimate = (text: string) => Math.ceil((text.length / 3.5) * 1.2);

it("keeps the system prompt and the tool definitions within 4,000 tokens", () => {
  const system = readFileSync("prompts/system.md", "utf8");
  const custom = JSON.stringify(TOOLS.filter((tool) => !("type" in tool && tool.type)));
  const tokens = estimate(system) + estimate(custom) + HIDDEN_TOOL_TOKENS;
  console.log(
    `system prompt + tools ≈ ${tokens} tokens (system ${estimate(system)}, custom tools ${estimate(custom)}, API's own ${HIDDEN_TOOL_TOKENS})`,
  );
  expect(tokens).toBeLessThanOrEqual(4000);
});
