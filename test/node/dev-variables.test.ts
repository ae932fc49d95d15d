import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
// @ts-expect-error: a plain ES module of the repository's scripts, without types.
import { VARIABLES, workerVariables } from "../../scripts/dev-variables.mjs";

// `npm start` hands the Worker the variables of scripts/dev-variables.mjs (the env file it
// writes for wrangler); that file reaching the Worker is what the end-to-end tests show
// (API_TOKEN and NPM_REGISTRY from the shell). Here: every documented variable is among
// them, and each one works from the shell and from .dev.vars alike.

const documented = (() => {
  const readme = readFileSync("README.md", "utf8");
  const table = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## How it is built"));
  return [...table.matchAll(/^\| (.+?) \|/gm)]
    .flatMap((row) => [...row[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((name) => name[1]!))
    .filter((name) => name !== "PORT" && name !== "HOST");
})();

it("passes every documented variable on to the Worker", () => {
  expect(documented.length).toBeGreaterThan(15);
  expect(documented.filter((name) => !(VARIABLES as string[]).includes(name))).toEqual([]);
});

it("takes each variable from the shell, from .dev.vars, and from the shell when both set it", () => {
  for (const name of documented) {
    const value = `value of ${name} with = and spaces`;
    const devVars = `${name}=${JSON.stringify(`file ${value}`)}\n`;
    expect(workerVariables({ [name]: value }, "")[name], `${name} from the shell`).toBe(value);
    expect(workerVariables({}, devVars)[name], `${name} from .dev.vars`).toBe(`file ${value}`);
    expect(workerVariables({ [name]: value }, devVars)[name], `${name} from both`).toBe(value);
    // An empty shell variable does not hide the file's.
    expect(workerVariables({ [name]: "" }, devVars)[name], `${name} empty in the shell`).toBe(`file ${value}`);
  }
  // The shell hands on only the documented names; the rest of its environment stays out.
  expect(workerVariables({ HOME: "/home/x", PATH: "/bin" }, "")).toEqual({});
});
