import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

// `npm start` hands the Worker only the variables scripts/dev.mjs names; every one the
// README's configuration table documents must be among them (PORT and HOST are the script's own).
it("npm start passes every documented variable on to the Worker", () => {
  const readme = readFileSync("README.md", "utf8");
  const table = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## How it is built"));
  const documented = [...table.matchAll(/^\| (.+?) \|/gm)]
    .flatMap((row) => [...row[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((name) => name[1]!))
    .filter((name) => name !== "PORT" && name !== "HOST");
  const script = readFileSync("scripts/dev.mjs", "utf8");
  const passed = [...(/const VARIABLES = \[([\s\S]*?)\];/.exec(script)?.[1] ?? "").matchAll(/"([A-Z0-9_]+)"/g)].map((m) => m[1]);
  expect(documented.length).toBeGreaterThan(15);
  expect(documented.filter((name) => !passed.includes(name))).toEqual([]);
});
