import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserAndServer } from "./harness";
import { TODOMVC, driveTodoMvc } from "./todomvc";
import { cloudflareReactFiles, pageView, templateFiles, viteBuild, workerInSrcFiles } from "./vite-templates";

// A real browser opens preview origins, as a user would.
const running = browserAndServer({ MODEL: "replay" });

async function create(
  files?: Record<string, string | { content: string; encoding: "base64" }>,
): Promise<{ id: string; previewUrl: string }> {
  const res = await fetch(`${running.server.base}/api/projects`, { method: "POST", body: JSON.stringify(files ? { files } : {}) });
  expect(res.status).toBe(201);
  return res.json() as Promise<{ id: string; previewUrl: string }>;
}

describe("preview in a browser", () => {
  it("renders the starter app: React from the pre-bundled dependencies, data from the Hono server", async () => {
    const { id, previewUrl } = await create();
    expect(previewUrl).toBe(`http://${id}.preview.localhost:${running.server.port}/`);
    const page = await running.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(previewUrl);
    await page.getByText("Hello from the server").waitFor();
    expect(await page.locator("h1").textContent()).toBe("Starter app");
    // The stylesheet imported by src/main.tsx is applied.
    expect(
      await page
        .locator("main")
        .evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { maxWidth: string } }).getComputedStyle(el).maxWidth),
    ).toBe("640px");
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("a chat turn's result in a browser", () => {
  it("is a working todo app at the project's preview URL", async () => {
    const { id, previewUrl } = await create();
    const chat = await fetch(`${running.server.base}/api/projects/${id}/chat`, { method: "POST", body: '{"message": "Make a todo list"}' });
    const { eventsUrl } = (await chat.json()) as { eventsUrl: string };
    expect(await (await fetch(`${running.server.base}${eventsUrl}`)).text()).toMatch(
      /event: turn\.finished\ndata: \{"status":"completed","version":2/,
    );
    const page = await running.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(previewUrl);
    await page.getByText("Nothing to do.").waitFor();
    await page.getByLabel("New todo").fill("Buy milk");
    await page.getByRole("button", { name: "Add" }).click();
    await page.getByText("Buy milk").waitFor();
    await page.getByRole("checkbox").click();
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { querySelector(s: string): { style: { textDecoration: string } } | null } }
        ).document.querySelector("li span")?.style.textDecoration === "line-through",
    );
    await page.reload();
    await page.getByText("Buy milk").waitFor();
    expect(await page.getByRole("checkbox").isChecked()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("a hostile preview page", () => {
  it("can neither read nor change anything of the API", async () => {
    const victim = await create({ "a.txt": "mine\n" });
    const api = `${running.server.base}/api/projects`;
    // The page tries what any site could: read the project list, delete a project with a
    // no-cors fetch, create one with a "simple" text/plain POST and with a cross-site form.
    const attack = `<!doctype html><title>attacker</title><pre id="out">running</pre>
<form id="form" method="POST" action="${api}" enctype="text/plain" target="sink"><input name='{"name": "planted by form", "x": "' value='"}'></form>
<iframe name="sink"></iframe>
<script>
(async () => {
  const out = {};
  try { const res = await fetch(${JSON.stringify(api)}); out.read = res.status + " " + (await res.text()).slice(0, 80); } catch (error) { out.read = "blocked: " + error.message; }
  try { await fetch(${JSON.stringify(`${api}/${victim.id}`)}, { method: "DELETE", mode: "no-cors" }); out.remove = "sent"; } catch (error) { out.remove = "blocked: " + error.message; }
  try { await fetch(${JSON.stringify(api)}, { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: '{"name": "planted by fetch"}' }); out.create = "sent"; } catch (error) { out.create = "blocked: " + error.message; }
  document.getElementById("form").submit();
  setTimeout(() => { document.getElementById("out").textContent = JSON.stringify(out); }, 1000);
})();
</script>
`;
    const attacker = await create({ "index.html": attack });
    const page = await running.newPage();
    await page.goto(attacker.previewUrl);
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById("out")
          .textContent !== "running",
    );
    const out = JSON.parse((await page.locator("#out").textContent())!) as Record<string, string>;
    expect(out.read).toMatch(/^blocked/);
    await page.close();

    // Whatever the browser sent was refused before it reached a route.
    expect((await fetch(`${api}/${victim.id}`)).status).toBe(200);
    const list = (await (await fetch(`${api}?limit=100`)).json()) as { projects: { name: string }[] };
    expect(list.projects.map((p) => p.name).filter((name) => name.startsWith("planted"))).toEqual([]);
  });

  it("cannot plant a cookie that another project's server receives", async () => {
    const app = `export default {
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/plant") {
      return new Response("planted", { headers: { "Set-Cookie": "planted=1; Domain=preview.localhost; Path=/" } });
    }
    return new Response("cookies: " + (request.headers.get("Cookie") ?? ""));
  },
};
`;
    const planter = await create({ "src/index.ts": app });
    const other = await create({ "src/index.ts": app });
    const page = await running.newPage();
    await page.goto(`${planter.previewUrl}plant`);
    await page.goto(`${other.previewUrl}cookies`);
    expect(await page.textContent("body")).toBe("cookies: ");
    // The cookie itself was set, host-only, for the page that asked.
    await page.goto(`${planter.previewUrl}cookies`);
    expect(await page.textContent("body")).toBe("cookies: planted=1");
    await page.close();
  });
});

/** A project made of `files`, built without errors, and a page that collects the errors it logs. */
async function imported(files: Parameters<typeof create>[0]) {
  const { id, previewUrl } = await create(files);
  const build = await fetch(`${running.server.base}/api/projects/${id}/builds`, { method: "POST", body: "{}" });
  expect(((await build.json()) as { errors: unknown[] }).errors).toEqual([]);
  const page = await running.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  return { page, previewUrl, errors };
}

/**
 * `files` imported and seen by `view` at the preview, as it sees their real
 * `vite build` (of `oracleFiles`, default the same) served statically: equal,
 * with `andThen` run on the preview's page after, and no errors on it.
 */
async function besideViteBuild<T>(
  files: Parameters<typeof create>[0] & object,
  view: (page: Page, url: string) => Promise<T>,
  options: { oracleFiles?: typeof files; andThen?: (page: Page, previewUrl: string, seen: T) => Promise<void> } = {},
): Promise<void> {
  const oracle = await viteBuild(options.oracleFiles ?? files);
  try {
    const oraclePage = await running.newPage();
    const expected = await view(oraclePage, oracle.url);
    await oraclePage.close();
    const { page, previewUrl, errors } = await imported(files);
    const seen = await view(page, previewUrl);
    expect(seen).toEqual(expected);
    await options.andThen?.(page, previewUrl, seen);
    expect(errors).toEqual([]);
    await page.close();
  } finally {
    await oracle.close();
  }
}

describe("create-vite templates, imported unchanged", () => {
  // Each renders at its preview URL as `vite build` + a static server shows it: the
  // same text, images and styles, the counter working, and no errors on the page.
  for (const template of ["vanilla-ts", "react-ts", "preact-ts", "lit-ts", "svelte-ts", "vue-ts", "solid-ts"]) {
    it(`${template} renders as vite build renders it`, async () => {
      await besideViteBuild(templateFiles(template), pageView, {
        andThen: async (_page, _url, seen) => {
          expect(seen.before.images.length).toBeGreaterThan(0);
          expect(seen.before.images.every((image) => image.loaded)).toBe(true);
          expect(seen.after.text).not.toBe(seen.before.text);
        },
      });
    });
  }
});

describe("Cloudflare's React + Worker template (create-cloudflare; cloudflare/templates' react-starter-template has its layout), imported unchanged", () => {
  it("renders as vite build renders its client, answers from its Worker, and serves its routes as a single-page app", async () => {
    // The client as vite build makes it (the Cloudflare plugin's own build needs wrangler to serve).
    const files = cloudflareReactFiles();
    await besideViteBuild(files, pageView, {
      oracleFiles: { ...files, "vite.config.ts": templateFiles("react-ts")["vite.config.ts"]! },
      andThen: async (page, previewUrl) => {
        // The second button asks the Worker (worker/index.ts) for its name.
        await page.getByRole("button", { name: "get name" }).click();
        await page.getByText("Name from API is: Cloudflare").waitFor();
        // assets.not_found_handling = "single-page-application": a route of the app is its page.
        await page.goto(new URL("/some/route", previewUrl).href);
        await page.getByText("Get started with Cloudflare").waitFor();
      },
    });
  });
});

describe("Cloudflare's vite-react-template layout: the client in src/react-app/, a Hono Worker in src/worker/", () => {
  it("renders as vite build renders its client and answers /api/ from the Worker that wrangler.json names", async () => {
    const files = workerInSrcFiles();
    await besideViteBuild(files, pageView, {
      oracleFiles: { ...files, "vite.config.ts": templateFiles("react-ts")["vite.config.ts"]! },
      andThen: async (page, previewUrl) => {
        const answer = await page.evaluate(() => fetch("/api/").then((response) => response.json()));
        expect(answer).toEqual({ name: "Cloudflare" });
        await page.goto(new URL("/deep/link", previewUrl).href);
        await page.getByText("Get started").waitFor();
      },
    });
  });
});

describe("a React TodoMVC", () => {
  it("works as its vite build works: npm stylesheet, CommonJS helper, hash routes, localStorage", async () => {
    await besideViteBuild(TODOMVC, driveTodoMvc, {
      // What the oracle shows is the app working: todomvc-app-css applied, the filter, the list kept over a reload.
      andThen: async (_page, _url, seen) => {
        expect(seen[0]!.h1?.color).toBe("rgb(184, 63, 69)");
        expect(seen[0]!.done?.textDecoration).toBe("line-through");
        expect(seen[1]!.text).toContain("Buy milk");
        expect(seen[1]!.text).not.toContain("Write tests");
        expect(seen[2]!.text).toContain("2 items left");
        expect(seen[3]!.text).toContain("Buy oat milk");
        expect(seen[3]!.text).not.toContain("Write tests");
      },
    });
  });
});
