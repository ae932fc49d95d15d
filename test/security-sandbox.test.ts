import { createExecutionContext, env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { api, createProject, expectError } from "./helpers";

const preview = (label: string, path = "/", init?: RequestInit) => SELF.fetch(`http://${label}.preview.localhost:8787${path}`, init);
const putSettings = (id: string, json: unknown) => api(`/api/projects/${id}/settings`, { method: "PUT", json });

// The app fetches ?url=… and reports what came back, or the error.
const prober = `export default {
  async fetch(request) {
    const target = new URL(request.url).searchParams.get("url");
    try {
      const res = await fetch(target);
      return Response.json({ status: res.status, body: await res.text() });
    } catch (error) {
      return Response.json({ error: String(error) });
    }
  },
};
`;

async function probe(id: string, url: string): Promise<{ status?: number; body?: string; error?: string }> {
  return (await preview(id, `/?url=${encodeURIComponent(url)}`)).json();
}

describe("an app never reaches the host, loopback or private networks", () => {
  it("refuses such allowedHosts entries with a clear error and keeps the settings as they were", async () => {
    const { id } = await createProject({ "src/index.ts": prober });
    for (const host of [
      "localhost",
      "LOCALHOST",
      "api.localhost",
      "*.localhost",
      "127.0.0.1",
      "10.0.0.8",
      "192.168.1.1",
      "169.254.169.254",
      "0.0.0.0",
      "router",
      "printer.local",
      "db.internal",
    ]) {
      const error = await expectError(await putSettings(id, { allowedHosts: ["api.example.com", host] }), 400, "invalid_settings");
      expect(error.message, host).toMatch(/cannot be allowed|not a hostname/);
    }
    expect(await (await api(`/api/projects/${id}/settings`)).json()).toEqual({ allowedHosts: [], secrets: [] });
  });

  it("refuses the server's own API and preview hosts as configured", async () => {
    const vars = { ...env, API_HOSTS: "forge.example.com", PREVIEW_HOST: "preview.example.com" };
    const call = (url: string, init: RequestInit) =>
      worker.fetch!(new Request(url, init) as Request<unknown, IncomingRequestCfProperties>, vars, createExecutionContext());
    const { id } = await createProject({ "src/index.ts": prober });
    for (const host of ["forge.example.com", "preview.example.com", "abc1.preview.example.com", "*.preview.example.com"]) {
      const res = await call(`https://forge.example.com/api/projects/${id}/settings`, {
        method: "PUT",
        body: JSON.stringify({ allowedHosts: [host] }),
      });
      expect((await expectError(res, 400, "invalid_settings")).message, host).toContain("this server's own");
    }
  });

  it("blocks loopback and the host at fetch time too, whatever the stored settings say", async () => {
    const { id } = await createProject({ "src/index.ts": prober });
    // Settings saved before this rule existed.
    await runInDurableObject(env.PROJECTS.get(env.PROJECTS.idFromName(id)), (_instance, state) => {
      state.storage.sql.exec(
        "INSERT OR REPLACE INTO settings (id, policy) VALUES (1, ?)",
        JSON.stringify({ allowedHosts: ["localhost", "127.0.0.1", "*.localhost"], secrets: [] }),
      );
    });
    for (const url of [
      "http://localhost:8787/api/projects",
      "http://127.0.0.1:8787/api/projects",
      "http://other.preview.localhost:8787/",
      "http://[::1]:8787/",
      "http://2130706433/",
      "http://0x7f.1/",
      "http://[::ffff:127.0.0.1]/",
      "http://[fd00::1]/",
      "http://169.254.169.254/latest/meta-data",
      "http://10.0.0.1/",
      "http://printer.local/",
    ]) {
      const result = await probe(id, url);
      expect(result.error, url).toContain("blocked by the preview sandbox");
      expect(result.error, url).toContain("can never reach it");
    }
  });

  it("checks every redirect of an allowed host against the same rules", async () => {
    const { id } = await createProject({ "src/index.ts": prober });
    expect((await putSettings(id, { allowedHosts: ["echo.example.test"] })).status).toBe(200);
    const via = (to: string) => `https://echo.example.test/redirect?to=${encodeURIComponent(to)}`;
    expect((await probe(id, via("http://127.0.0.1:8787/api/projects"))).error).toContain("blocked by the preview sandbox");
    expect((await probe(id, via("https://example.com/"))).error).toContain("Network access to example.com is blocked");
    const followed = await probe(id, via("https://echo.example.test/landed"));
    expect(followed.status).toBe(200);
    expect(JSON.parse(followed.body!).url).toBe("https://echo.example.test/landed");
  });
});

describe("secrets", () => {
  it("refuses values and names that cannot be a header line, so saved settings never break requests", async () => {
    const { id } = await createProject({ "src/index.ts": prober });
    const secret = (header: string, value: string) => ({
      allowedHosts: ["echo.example.test"],
      secrets: [{ host: "echo.example.test", header, value }],
    });
    for (const value of ["a\r\nX-Injected: 1", "line\nbreak", "nul\u0000", " padded", "padded ", "", "snow ☃"]) {
      const error = await expectError(await putSettings(id, secret("X-Key", value)), 400, "invalid_settings");
      expect(error.message).toContain("not a valid header value");
    }
    for (const header of ["Host", "content-length", "Transfer-Encoding", "X Key"]) {
      await expectError(await putSettings(id, secret(header, "v")), 400, "invalid_settings");
    }
    const twice = {
      allowedHosts: ["echo.example.test"],
      secrets: [
        { host: "echo.example.test", header: "X-Key", value: "a" },
        { host: "echo.example.test", header: "x-key", value: "b" },
      ],
    };
    await expectError(await putSettings(id, twice), 400, "invalid_settings");
    expect(await (await api(`/api/projects/${id}/settings`)).json()).toEqual({ allowedHosts: [], secrets: [] });

    expect((await putSettings(id, secret("X-Key", "k3y with\tinner space"))).status).toBe(200);
    const sent = await probe(id, "https://echo.example.test/data");
    expect(JSON.parse(sent.body!).headers["x-key"]).toBe("k3y with\tinner space");
  });
});

describe("node:http in the sandbox", () => {
  const files = (source: string) => ({
    "wrangler.toml": 'compatibility_date = "2026-04-01"\ncompatibility_flags = ["nodejs_compat"]\n',
    "src/index.ts": source,
  });
  // Each call races a 3 s timer: before the fix the request neither answered nor failed.
  const httpProber = `import http from "node:http";
import https from "node:https";
const settle = (start) => Promise.race([
  new Promise((resolve) => start(resolve)),
  new Promise((resolve) => setTimeout(() => resolve({ hung: true }), 3000)),
]);
export default {
  async fetch() {
    const get = await settle((done) => {
      http.get("http://example.com/", (res) => done({ status: res.statusCode })).on("error", (error) => done({ error: error.message }));
    });
    const request = await settle((done) => {
      const req = https.request("https://127.0.0.1/x", { method: "POST" }, (res) => done({ status: res.statusCode }));
      req.on("error", (error) => done({ error: error.message }));
      req.end("body");
    });
    return Response.json({ get, request });
  },
};
`;

  it("fails a blocked request at once with the same message as fetch", async () => {
    const { id } = await createProject(files(httpProber));
    const started = Date.now();
    const result = await (await preview(id)).json<{ get: { error?: string }; request: { error?: string } }>();
    expect(result.get.error).toContain("Network access to example.com is blocked by the preview sandbox");
    expect(result.request.error).toContain("Network access to 127.0.0.1 is blocked by the preview sandbox");
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it("reaches allowed hosts, and behaves the same in a project's test run", async () => {
    const { id } = await createProject({
      ...files(`import https from "node:https";
export default {
  fetch: () => new Promise((resolve) => {
    https.get("https://echo.example.test/x", (res) => resolve(new Response("status " + res.statusCode)))
      .on("error", (error) => resolve(new Response("error " + error.message)));
  }),
};
`),
      "test/http.test.ts": `import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
it("is told the host is blocked", async () => {
  expect(await (await SELF.fetch("http://app/")).text()).toContain("Network access to echo.example.test is blocked by the preview sandbox");
});
`,
    });
    const run = await (await api(`/api/projects/${id}/test`, { method: "POST", json: {} })).json<{
      ok: boolean;
      results: { error?: string }[];
    }>();
    expect(run.results[0]?.error).toBeUndefined();
    expect(run.ok).toBe(true);
    expect((await putSettings(id, { allowedHosts: ["echo.example.test"] })).status).toBe(200);
    expect(await (await preview(id)).text()).toBe("status 200");
  });
});

describe("cookies stay with the preview that set them", () => {
  it("drops Domain from an app's Set-Cookie, keeping its other attributes", async () => {
    const { id } = await createProject({
      "src/index.ts": `export default {
  fetch() {
    const headers = new Headers();
    headers.append("Set-Cookie", "planted=1; Domain=preview.localhost; Path=/");
    headers.append("Set-Cookie", "dotted=2; path=/; domain=.preview.localhost; HttpOnly");
    headers.append("Set-Cookie", "own=3; Path=/; SameSite=Lax");
    return new Response("ok", { headers });
  },
};
`,
    });
    const res = await preview(id);
    expect(await res.text()).toBe("ok");
    expect(res.headers.getSetCookie()).toEqual(["planted=1; Path=/", "dotted=2; path=/; HttpOnly", "own=3; Path=/; SameSite=Lax"]);
  });
});
