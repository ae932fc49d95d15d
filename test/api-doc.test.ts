import { describe, expect, it } from "vitest";
import apiDoc from "../docs/api.md";
import { TOOL_NAMES } from "../agent/tools/definitions";
import { publicErrorStatuses } from "../src/http/api-errors";
import { TURN_EVENT_TYPES } from "../src/project/turn-log";
import { api } from "./helpers";

/** The rows of the Markdown table under `## heading` whose first cell is code: that cell and the next. */
function tableRows(heading: string): string[][] {
  const section = apiDoc.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  if (!section) throw new Error(`docs/api.md has no "## ${heading}" section`);
  return [...section.matchAll(/^\| `([^`]+)` \| ((?:[^|\\]|\\.)+) \|/gm)].map((match) => [match[1]!, match[2]!.trim()]);
}

describe("docs/api.md is the contract the server keeps", () => {
  it("documents exactly the routes of /api/openapi.json", async () => {
    const doc = await (await api("/api/openapi.json")).json<{ paths: Record<string, Record<string, unknown>> }>();
    const served = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const documented = [...apiDoc.matchAll(/^### `([A-Z]+ \/api\/[^`]*)`$/gm)].map((match) => match[1]!);
    expect(documented.sort()).toEqual(served.sort());
  });

  it("lists every error code with the status the server answers it with", () => {
    const documented = tableRows("Errors").map(([code, status]) => `${code} ${status}`);
    const served = publicErrorStatuses().map(([code, status]) => `${code} ${status}`);
    expect(documented.sort()).toEqual(served.sort());
  });

  it("names every event of a turn's stream and every tool the model sees", () => {
    expect(
      tableRows("Agent turns")
        .map(([name]) => name)
        .sort(),
    ).toEqual([...TURN_EVENT_TYPES].sort());
    expect(
      tableRows("Tools the model sees")
        .map(([name]) => name)
        .sort(),
    ).toEqual([...TOOL_NAMES].sort());
  });
});
