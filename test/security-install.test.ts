import { describe, expect, it } from "vitest";
import { api, createProject, packumentRequests } from "./helpers";

// What a project's package.json, or a registry's metadata, can make the installer fetch.

type Build = { ok: boolean; errors: { file?: string; line?: number; column?: number; message: string }[] };

async function buildWith(dependencies: Record<string, unknown>): Promise<Build> {
  const packageJson = JSON.stringify({ name: "app", dependencies }, null, 2);
  const { id } = await createProject({
    "package.json": packageJson,
    "src/index.ts": "export default { fetch: () => new Response('x') };\n",
  });
  const res = await api(`/api/projects/${id}/builds`, { method: "POST", json: { version: 1 } });
  expect(res.status).toBe(200);
  return res.json();
}

const offsite = async () => (await fetch("https://registry.npmjs.org/-/fake/offsite")).json<string[]>();

describe("dependencies", () => {
  it("refuses names npm would refuse and specs from outside the registry, at their line, asking the registry nothing", async () => {
    const refused: Record<string, string> = {
      "../../-/log": "1.0.0",
      "x?y=1": "1.0.0",
      "Upper-Case": "1.0.0",
      "local-thing": "file:../thing",
      "git-thing": "git+https://github.com/someone/thing.git",
      "url-thing": "http://127.0.0.1:9/thing.tgz",
      "short-thing": "someone/thing",
      "odd-thing": "1.0.0; rm -rf /",
    };
    const before = await Promise.all(Object.keys(refused).map(packumentRequests));
    const build = await buildWith({ "tiny-greet": "^1.0.0", ...refused });
    expect(build.ok).toBe(false);
    // package.json as written: `{`, `"name"`, `"dependencies": {`, then one entry per line.
    expect(build.errors.map((error) => [error.file, error.line, error.column])).toEqual(
      Object.keys(refused).map((_, index) => ["package.json", 5 + index, 5]),
    );
    expect(build.errors.map((error) => error.message)).toEqual([
      expect.stringContaining('"../../-/log" is not a valid npm package name'),
      expect.stringContaining('"x?y=1" is not a valid npm package name'),
      expect.stringContaining('"Upper-Case" is not a valid npm package name'),
      expect.stringContaining('local-thing: "file:../thing" points at local files'),
      expect.stringContaining('git-thing: "git+https://github.com/someone/thing.git" is fetched from outside the registry'),
      expect.stringContaining('url-thing: "http://127.0.0.1:9/thing.tgz" is fetched from outside the registry'),
      expect.stringContaining('short-thing: "someone/thing" is fetched from outside the registry'),
      expect.stringContaining('odd-thing: "1.0.0; rm -rf /" is not a version, a range or a dist-tag'),
    ]);
    expect(await Promise.all(Object.keys(refused).map(packumentRequests))).toEqual(before);
    expect((await offsite()).filter((request) => request.includes("127.0.0.1:9"))).toEqual([]);
  });

  it("fetches tarballs from the registry's own origin only, redirects included", async () => {
    for (const name of ["offsite-tarball", "redirected-tarball"]) {
      const build = await buildWith({ [name]: "1.0.0" });
      expect(build.ok, name).toBe(false);
      expect(build.errors[0]!.message, name).toContain(
        "The registry pointed the installer at http://127.0.0.1:9; packages are fetched from the registry's own origin (https://registry.npmjs.org) only.",
      );
    }
    expect((await offsite()).filter((request) => request.includes("127.0.0.1:9"))).toEqual([]);
  });
});
