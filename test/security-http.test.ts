import { createExecutionContext, env, runDurableObjectAlarm, runInDurableObject, abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { api, commit, createProject, expectError, packumentRequests } from "./helpers";

/** The Worker with some variables set, as `wrangler dev` or a deployment would run it. */
function call(url: string, init: RequestInit = {}, vars: Record<string, string> = {}): Promise<Response> {
  return worker.fetch!(
    new Request(url, init) as Request<unknown, IncomingRequestCfProperties>,
    { ...env, ...vars },
    createExecutionContext(),
  );
}

/** The repair runs a few seconds after a commit; this moves its timer to now, as if they had passed. */
const timePasses = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_instance, state) => void state.storage.sql.exec("UPDATE timers SET due = 0"));

const listed = async () => (await (await api("/api/projects?limit=100")).json<{ projects: { id: string; head: number }[] }>()).projects;

describe("browsers: only the API's own origin and CORS_ORIGINS may call it", () => {
  it("refuses another site's requests before any route runs: a form POST creates nothing, a DELETE deletes nothing", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const before = (await listed()).length;
    const form = await api("/api/projects", {
      method: "POST",
      headers: { Origin: "http://evil.example", "Content-Type": "text/plain" },
      body: '{"name": "planted"}',
    });
    const error = await expectError(form, 403, "origin_not_allowed");
    expect(error.message).toContain("CORS_ORIGINS");
    expect(form.headers.get("Access-Control-Allow-Origin")).toBeNull();
    await expectError(
      await api(`/api/projects/${id}`, { method: "DELETE", headers: { Origin: "http://evil.example" } }),
      403,
      "origin_not_allowed",
    );
    await expectError(await api("/api/projects", { headers: { Origin: "null" } }), 403, "origin_not_allowed");
    const preflight = await api("/api/projects", {
      method: "OPTIONS",
      headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "DELETE" },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect((await listed()).length).toBe(before);
    expect((await api(`/api/projects/${id}`)).status).toBe(200);
  });

  it("never lets a preview page call it, even when CORS_ORIGINS lists that origin", async () => {
    const preview = "http://abc1.preview.localhost:8787";
    const vars = { CORS_ORIGINS: `${preview}, http://abc1--v2.preview.localhost:8787` };
    const res = await call("http://localhost:8787/api/projects", { headers: { Origin: preview } }, vars);
    expect((await expectError(res, 403, "origin_not_allowed")).message).toContain("Preview pages may never call this API");
    await expectError(
      await call("http://localhost:8787/api/projects", { headers: { Origin: "http://abc1--v2.preview.localhost:8787" } }, vars),
      403,
      "origin_not_allowed",
    );
    const deployed = await call(
      "https://forge.example.com/api/projects",
      { headers: { Origin: "https://abc1.preview.example.com" } },
      {
        PREVIEW_HOST: "preview.example.com",
        API_HOSTS: "forge.example.com",
        CORS_ORIGINS: "https://abc1.preview.example.com",
      },
    );
    await expectError(deployed, 403, "origin_not_allowed");
  });

  it("answers its own origin, and origins listed in CORS_ORIGINS with CORS headers for bearer calls", async () => {
    const own = await api("/api/projects", {
      method: "POST",
      headers: { Origin: "http://localhost:8787" },
      json: { files: { "a.txt": "a\n" } },
    });
    expect(own.status).toBe(201);
    const vars = { CORS_ORIGINS: "https://app.example.com,http://localhost:5173/" };
    const preflight = await call(
      "http://localhost:8787/api/projects",
      {
        method: "OPTIONS",
        headers: {
          Origin: "https://app.example.com",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "authorization,content-type",
        },
      },
      vars,
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example.com");
    expect(preflight.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
    expect(preflight.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    const get = await call("http://localhost:8787/api/projects", { headers: { Origin: "http://localhost:5173" } }, vars);
    expect(get.status).toBe(200);
    expect(get.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:5173");
    expect(get.headers.get("Vary")).toContain("Origin");
  });

  it("answers only on localhost, IP addresses and API_HOSTS, so DNS rebinding reaches nothing", async () => {
    const rebound = await call("http://attacker.example:8787/api/projects", { headers: { Origin: "http://attacker.example:8787" } });
    expect((await expectError(rebound, 403, "host_not_allowed")).message).toContain("API_HOSTS");
    await expectError(await call("http://attacker.example:8787/api/projects", { method: "POST", body: "{}" }), 403, "host_not_allowed");
    for (const url of ["http://127.0.0.1:8787/api/projects", "http://[::1]:8787/api/projects", "http://api.localhost:8787/api/projects"]) {
      expect((await call(url)).status, url).toBe(200);
    }
    expect((await call("https://forge.example.com/api/projects", {}, { API_HOSTS: "forge.example.com" })).status).toBe(200);
    expect((await call("https://eu.forge.example.com/api/projects", {}, { API_HOSTS: "*.forge.example.com" })).status).toBe(200);
    await expectError(
      await call("https://forge.example.com.attacker.example/api/projects", {}, { API_HOSTS: "forge.example.com" }),
      403,
      "host_not_allowed",
    );
  });

  it("marks every answer as not to be framed, sniffed or loaded by another origin", async () => {
    for (const path of ["/api/projects", "/api/nothing", "/api/info"]) {
      const res = await api(path);
      expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
      expect(res.headers.get("Cross-Origin-Resource-Policy"), path).toBe("same-origin");
      expect(res.headers.get("Content-Security-Policy"), path).toMatch(/default-src 'none'.*frame-ancestors 'none'.*sandbox/);
    }
    // The playground page runs only its own scripts, calls only its origin and frames only previews.
    const page = await api("/?project=abc");
    expect(page.headers.get("Content-Type")).toContain("text/html");
    expect(await page.text()).toContain("<title>Forge playground</title>");
    const csp = page.headers.get("Content-Security-Policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-src http://*.preview.localhost:8787");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("opens a turn's event stream with its own ?access= token (EventSource cannot send headers), and nothing else with it", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const vars = { API_TOKEN: "stream-secret" };
    const { eventsAccessToken } = await import("../src/http/auth");
    const token = await eventsAccessToken("stream-secret", id, "tffffffffffffff0");
    const events = `http://localhost:8787/api/projects/${id}/turns/tffffffffffffff0/events`;
    await expectError(await call(events, {}, vars), 401, "unauthorized");
    await expectError(await call(`${events}?access=wrong`, {}, vars), 401, "unauthorized");
    await expectError(await call(`${events}?access=stream-secret`, {}, vars), 401, "unauthorized");
    // Past auth: the turn does not exist.
    await expectError(await call(`${events}?access=${token}`, {}, vars), 404, "not_found");
    await expectError(
      await call(`http://localhost:8787/api/projects/${id}/turns/tffffffffffffff1/events?access=${token}`, {}, vars),
      401,
      "unauthorized",
    );
    await expectError(await call(`http://localhost:8787/api/projects/${id}?access=${token}`, {}, vars), 401, "unauthorized");
  });

  it("serves previews only under the preview host it derives from its own names, never under any name (DNS rebinding)", async () => {
    const { id } = await createProject({ "src/index.ts": 'export default { fetch: () => new Response("the app") };\n' });
    expect(await (await call(`http://${id}.preview.localhost:8787/`)).text()).toBe("the app");
    // A hostile name resolving to this machine: not a preview, and not the API either.
    await expectError(await call(`http://${id}.preview.rebind.example/`), 403, "host_not_allowed");
    await expectError(await call(`http://${id}.preview.rebind.example:8787/`), 403, "host_not_allowed");
    // A name of API_HOSTS has its previews under preview.<name>.
    const named = { API_HOSTS: "forge.example.com" };
    expect(await (await call(`http://${id}.preview.forge.example.com/`, {}, named)).text()).toBe("the app");
    await expectError(await call(`http://${id}.preview.rebind.example/`, {}, named), 403, "host_not_allowed");
  });

  it("answers 404 for a malformed host under the preview suffix, never the API or the playground", async () => {
    for (const host of ["a.b.preview.localhost:8787", "x--y.preview.localhost:8787", "UPPER--v1.preview.localhost:8787"]) {
      const res = await call(`http://${host}/api/projects`);
      expect(res.status, host).toBe(404);
      expect(await res.text(), host).not.toContain("projects");
    }
  });
});

describe("raw downloads never run script on the API's origin", () => {
  it("serves HTML, SVG and XML as sandboxed attachments, source as inline text", async () => {
    const { id } = await createProject({
      "page.html": "<script>fetch('/api/projects')</script>\n",
      "img/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n',
      "feed.xml": '<?xml version="1.0"?><x/>\n',
      "src/app.ts": "export {};\n",
    });
    for (const [path, type] of [
      ["page.html", "text/html"],
      ["img/logo.svg", "image/svg+xml"],
      ["feed.xml", "xml"],
    ] as const) {
      const res = await api(`/api/projects/${id}/files/${path}`);
      expect(res.headers.get("Content-Type"), path).toContain(type);
      expect(res.headers.get("Content-Disposition"), path).toMatch(/^attachment; filename="[^"]+"/);
      expect(res.headers.get("Content-Security-Policy"), path).toContain("sandbox");
      expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
    }
    const source = await api(`/api/projects/${id}/files/src/app.ts`);
    expect(source.headers.get("Content-Disposition")).toBeNull();
    expect(await source.text()).toBe("export {};\n");
  });
});

describe("paths", () => {
  it("refuses a JSON body whose bytes are not UTF-8 with 400 invalid_content, and stores nothing", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const encoded = new TextEncoder().encode('{"base": 1, "changes": [{"op": "put", "path": "a.txt", "content": "xy"}]}');
    const at = encoded.indexOf(0x79); // y
    const body = new Uint8Array([...encoded.slice(0, at), 0xff, ...encoded.slice(at)]);
    await expectError(await api(`/api/projects/${id}/commits`, { method: "POST", body }), 400, "invalid_content");
    expect(await (await api(`/api/projects/${id}/files/a.txt`)).text()).toBe("a\n");
    expect(((await (await api(`/api/projects/${id}/versions`)).json()) as { versions: unknown[] }).versions).toHaveLength(1);
  });

  it("refuses paths that are not well-formed Unicode, in commits, creates and URLs, and stores nothing", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const lone = "src/\ud800.ts";
    expect(
      (
        await expectError(
          await commit(id, 1, [
            { op: "put", path: "ok.txt", content: "x" },
            { op: "put", path: lone, content: "x" },
          ]),
          400,
          "invalid_path",
        )
      ).message,
    ).toContain("well-formed Unicode");
    await expectError(await commit(id, 1, [{ op: "move", from: "a.txt", to: "\udc00" }]), 400, "invalid_path");
    await expectError(await api("/api/projects", { method: "POST", json: { files: { [lone]: "x", "b.txt": "y" } } }), 400, "invalid_path");
    await expectError(await api(`/api/projects/${id}/files/src/%ED%A0%80.ts`), 400, "invalid_path");
    await expectError(await api(`/api/projects/${id}/files/%FF`), 400, "invalid_path");
    await expectError(await commit(id, 1, [{ op: "put", path: "b.txt", content: "half \ud83d" }]), 400, "invalid_content");
    await expectError(await commit(id, 1, [{ op: "put", path: "b.txt", content: "x" }], "half \ud83d"), 400, "invalid_request");
    const files = await (await api(`/api/projects/${id}/files?version=draft`)).json<{ files: { path: string }[] }>();
    expect(files.files.map((f) => f.path)).toEqual(["a.txt"]);
    expect((await (await api(`/api/projects/${id}/versions`)).json<{ versions: unknown[] }>()).versions).toHaveLength(1);
    // Well-formed astral characters are fine.
    expect((await commit(id, 1, [{ op: "put", path: "emoji/😀.txt", content: "😀\n" }])).status).toBe(201);
    expect(await (await api(`/api/projects/${id}/files/emoji/${encodeURIComponent("😀")}.txt`)).text()).toBe("😀\n");
  });

  it("refuses git's and node_modules' names in any letter case, so git apply always takes the diff", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    for (const path of [
      ".GIT/config",
      ".Git/HEAD",
      "src/.git/x",
      "a/.git",
      ".git. /x",
      "GIT~1/x",
      ".git::$INDEX_ALLOCATION/x",
      ".g\u200cit/x",
      "Node_Modules/x.js",
      "NODE_MODULES/y/z.js",
    ]) {
      const error = await expectError(await commit(id, 1, [{ op: "put", path, content: "x" }]), 400, "invalid_path");
      expect(error.path, path).toBe(path);
    }
    const allowed = [".gitignore", "src/.github/ci.yml", "git~1.txt", ".git.txt", "packages/x/node_modules/y.js"];
    expect(
      (
        await commit(
          id,
          1,
          allowed.map((path) => ({ op: "put", path, content: "x" })),
        )
      ).status,
    ).toBe(201);
  });
});

describe("a project deleted while its build or test run is under way", () => {
  it("answers 404 not_found, never a 500", async () => {
    const files = {
      "package.json": JSON.stringify({ dependencies: { "slow-greet": "1.0.0" } }),
      "src/index.ts": 'import { greet } from "slow-greet";\nexport default { fetch: () => new Response(greet("you")) };\n',
      "test/a.test.ts": 'import { it, expect } from "vitest";\nit("runs", () => expect(1).toBe(1));\n',
    };
    const building = await createProject(files);
    const testing = await createProject(files);
    const asked = await packumentRequests("slow-greet");
    const build = api(`/api/projects/${building.id}/builds`, { method: "POST", json: {} });
    const test = api(`/api/projects/${testing.id}/test`, { method: "POST", json: {} });
    // The slow package's packument takes 1.5 s: once the registry is asked, the install is waiting for it.
    await expect.poll(() => packumentRequests("slow-greet"), { interval: 20 }).toBeGreaterThan(asked);
    expect((await api(`/api/projects/${building.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/api/projects/${testing.id}`, { method: "DELETE" })).status).toBe(204);
    await expectError(await build, 404, "not_found");
    await expectError(await test, 404, "not_found");
    await expectError(await api(`/api/projects/${building.id}/builds`, { method: "POST", json: {} }), 404, "not_found");
  });
});

describe("the project list repairs itself from each project's object", () => {
  it("fixes a stale head and a missing listing when the object's alarm fires, also after a restart", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    expect((await commit(id, 1, [{ op: "put", path: "b.txt", content: "b\n" }])).status).toBe(201);
    // What a crash between the commit and the list update leaves behind.
    await env.PROJECT_INDEX.prepare("UPDATE projects SET head = 1 WHERE id = ?").bind(id).run();
    expect((await listed()).find((p) => p.id === id)?.head).toBe(1);
    await abortAllDurableObjects();
    const stub = env.PROJECTS.get(env.PROJECTS.idFromName(id));
    await timePasses(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await listed()).find((p) => p.id === id)?.head).toBe(2);

    // A creation whose listing never happened.
    await commit(id, 2, [{ op: "put", path: "c.txt", content: "c\n" }]);
    await env.PROJECT_INDEX.prepare("DELETE FROM projects WHERE id = ?").bind(id).run();
    await timePasses(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await listed()).find((p) => p.id === id)).toMatchObject({ head: 3 });

    // A deleted project is not listed again.
    expect((await api(`/api/projects/${id}`, { method: "DELETE" })).status).toBe(204);
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    expect((await listed()).some((p) => p.id === id)).toBe(false);
  });
});

describe("the OpenAPI document declares the rules the API enforces", () => {
  type Schema = {
    pattern?: string;
    maxLength?: number;
    maximum?: number;
    minimum?: number;
    items?: Schema;
    properties?: Record<string, Schema>;
    $ref?: string;
  };
  type Doc = {
    paths: Record<
      string,
      Record<string, { parameters?: { name: string; in: string; schema: Schema }[]; responses: Record<string, unknown> }>
    >;
    components: { schemas: Record<string, Schema> };
  };

  it("has patterns and bounds for ids, paths, versions, cursors and hosts, and lists 401/403", async () => {
    const doc = await (await api("/api/openapi.json")).json<Doc>();
    const param = (path: string, method: string, name: string) =>
      doc.paths[path]![method]!.parameters!.find((p) => p.name === name)!.schema;
    const matches = (schema: Schema, value: string) => new RegExp(schema.pattern!).test(value);

    const id = param("/api/projects/{id}", "get", "id");
    expect(matches(id, "k3x9q2m7ab1c")).toBe(true);
    expect(matches(id, "Not--Valid")).toBe(false);

    const path = param("/api/projects/{id}/files/{path}", "get", "path");
    expect(path.maxLength).toBe(1024);
    for (const good of ["src/index.ts", "a b/ç.txt", ".gitignore"]) expect(matches(path, good), good).toBe(true);
    for (const bad of ["/abs", "a//b", "a/../b", "./a", ".git/config", "x/.GIT/y", "node_modules/x", "a\\b", "tab\there"])
      expect(matches(path, bad), bad).toBe(false);

    const version = param("/api/projects/{id}/versions/{version}", "get", "version");
    for (const good of ["1", "42"]) expect(matches(version, good)).toBe(true);
    for (const bad of ["0", "01", "abc", "1".repeat(16)]) expect(matches(version, bad), bad).toBe(false);
    const query = param("/api/projects/{id}/files", "get", "version");
    expect(matches(query, "draft") && matches(query, "7") && !matches(query, "head")).toBe(true);
    const from = param("/api/projects/{id}/diff", "get", "from");
    expect(matches(from, "0") && !matches(from, "-1")).toBe(true);
    const cursor = param("/api/projects", "get", "cursor");
    expect(cursor.pattern).toBeDefined();
    const limit = param("/api/projects", "get", "limit");
    expect([limit.minimum, limit.maximum]).toEqual([1, 100]);

    const commitBody = doc.components.schemas.Commit!;
    expect(commitBody.properties!.base!.maximum).toBe(999_999_999_999_999);
    const settings = doc.components.schemas.SettingsUpdate!;
    const host = settings.properties!.allowedHosts!.items!;
    expect(matches(host, "api.example.com") && matches(host, "*.example.com") && !matches(host, "not a host")).toBe(true);

    for (const [route, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        expect(Object.keys(operation.responses), `${method} ${route}`).toEqual(expect.arrayContaining(["401", "403"]));
      }
    }
  });

  it("answers 405 with Allow for a method a known route does not take", async () => {
    const { id } = await createProject({ "a.txt": "a\n" });
    const res = await api(`/api/projects/${id}/versions`, { method: "PATCH" });
    const error = await expectError(res, 405, "method_not_allowed");
    expect(res.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    expect(error.allow).toEqual(["GET", "HEAD", "OPTIONS"]);
    expect((await api(`/api/projects/${id}`, { method: "PUT" })).headers.get("Allow")).toBe("GET, DELETE, HEAD, OPTIONS");
    await expectError(await api("/api/nothing", { method: "PATCH" }), 404, "route_not_found");
  });
});
