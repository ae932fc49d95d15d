import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserAndServer } from "./harness";
import { startServer } from "./server";

// The playground page at / as a newcomer uses it, against `npm start` with the replay model.
// Each of its six model calls waits 2 s, so the turn still runs after a reload in its middle
// even when a busy machine takes seconds to load the page again.
const running = browserAndServer({ MODEL: "replay", REPLAY_DELAY_MS: "2000" });

/** Records what a user would notice going wrong: console errors, failed requests, error answers. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`));
  page.on("response", (response) => {
    // wrangler dev drops a request now and then as if the Worker had restarted (a plain 503
    // with Retry-After), which the page sends again without the user seeing it.
    const dropped = response.status() === 503 && response.headers()["retry-after"] !== undefined;
    if (response.status() >= 400 && !dropped) problems.push(`${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return problems;
}

/** Keeps a screenshot of a failing step in test-results/. */
async function step<T>(page: Page, name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: `test-results/playground-${name}.png`, fullPage: true }).catch(() => undefined);
    throw error;
  }
}

describe("the playground", () => {
  it("creates a project, chats, previews, diffs, edits, restores and tests, with no errors", async () => {
    const page = await running.newPage({ viewport: { width: 1440, height: 900 } });
    const problems = watch(page);
    await page.goto(`${running.server.base}/`);

    await step(page, "create", async () => {
      await page.getByTestId("new-project").click();
      await page.getByTestId("project-list").getByRole("button").first().waitFor();
      await page.waitForURL(/\?project=[a-z0-9]+/);
    });
    const id = new URL(page.url()).searchParams.get("project")!;

    await step(page, "chat", async () => {
      await page.getByTestId("chat-input").fill("Turn the starter into a todo list");
      await page.getByTestId("chat-input").press("Enter");
      await page.getByTestId("turn-cancel").waitFor();
      await page.getByTestId("chat-log").getByText("replay of a recorded session").waitFor();
      // A reload in the middle of the turn picks its stream up again.
      await page.getByTestId("chat-log").locator("li.tool").first().waitFor();
      await page.reload();
      // Loads the reload itself cut short are not the page's doing.
      problems.length = 0;
      await page.getByTestId("turn-cancel").waitFor();
      await expect.poll(() => page.getByTestId("chat-log").locator("li.tool").count()).toBeGreaterThanOrEqual(8);
      await page
        .getByTestId("turn-status")
        .getByText(/completed · version 2/)
        .waitFor();
    });

    await step(page, "preview", async () => {
      await page.frameLocator('[data-testid="preview-frame"]').getByText("Nothing to do.").waitFor();
    });

    await step(page, "diff", async () => {
      await page.getByRole("tab", { name: "Versions" }).click();
      await page.getByTestId("version-list").getByText("agent").waitFor();
      await expect.poll(() => page.getByTestId("diff-view").textContent()).toContain('+app.post("/api/todos"');
      await page.getByRole("button", { name: "Side by side" }).click();
      await page.getByTestId("diff-view").locator("td.add").first().waitFor();
    });

    await step(page, "edit", async () => {
      await page.getByRole("tab", { name: "Code" }).click();
      await page.getByTestId("file-tree").getByTitle("src/styles.css").click();
      await page.locator('[data-testid="code-view"][data-path="src/styles.css"] .cm-content').click();
      await page.keyboard.press("ControlOrMeta+End");
      await page.keyboard.type("\nh1 { color: rebeccapurple; }\n");
      await page.getByTestId("save-file").click();
      await expect
        .poll(async () => ((await (await fetch(`${running.server.base}/api/projects/${id}`)).json()) as { head: number }).head)
        .toBe(3);
      const saved = await (await fetch(`${running.server.base}/api/projects/${id}/files/src/styles.css?version=3`)).text();
      expect(saved).toContain("h1 { color: rebeccapurple; }");
      expect(saved).toContain(".app {");
    });

    await step(page, "restore", async () => {
      await page.getByRole("tab", { name: "Versions" }).click();
      const first = page.getByTestId("version-list").locator("li").filter({ hasText: "v1" });
      await first.getByRole("button", { name: "Restore" }).click();
      await expect
        .poll(async () => ((await (await fetch(`${running.server.base}/api/projects/${id}`)).json()) as { head: number }).head)
        .toBe(4);
      await page.getByTestId("version-list").getByText("Restore version 1").waitFor();
    });

    await step(page, "tests", async () => {
      await page.getByRole("tab", { name: "Tests" }).click();
      await page.getByTestId("run-tests").click();
      await page.getByTestId("tests").getByText("1 passed, 0 failed").waitFor();
    });

    await step(page, "reload", async () => {
      await page.reload();
      await page.getByTestId("chat-log").getByText("Turn the starter into a todo list", { exact: true }).waitFor();
      expect(new URL(page.url()).searchParams.get("tab")).toBe("tests");
    });

    await step(page, "no-problems", async () => expect(problems).toEqual([]));
    await page.close();
  });

  it("shows the app's data: its KV keys and its D1 tables, row by row", async () => {
    const files = {
      "wrangler.jsonc": '{ "main": "src/index.ts", "d1_databases": [{ "binding": "DB", "database_name": "notes", "database_id": "1" }] }',
      "migrations/0001_notes.sql":
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\nINSERT INTO notes (body) VALUES ('first note');\n",
      "src/index.ts":
        "export default {\n  async fetch(request: Request, env: { DB: D1Database; KV: KVNamespace }) {\n    await env.KV.put('visits', '1');\n    return Response.json((await env.DB.prepare('SELECT body FROM notes').all()).results);\n  },\n};\n",
    };
    const created = await fetch(`${running.server.base}/api/projects`, { method: "POST", body: JSON.stringify({ files }) });
    const { id, previewUrl } = (await created.json()) as { id: string; previewUrl: string };
    const page = await running.newPage();
    const problems = watch(page);
    await page.goto(previewUrl);
    await page.getByText("first note").waitFor();
    await page.goto(`${running.server.base}/?project=${id}&tab=data`);
    await step(page, "data", async () => {
      const data = page.getByTestId("data");
      await data.getByText("visits").waitFor();
      await data.getByRole("button", { name: "notes" }).click();
      await page.getByTestId("data-table").getByText("first note").waitFor();
    });
    await step(page, "no-problems", async () => expect(problems).toEqual([]));
    await page.close();
  });

  it("is never served on a preview origin", async () => {
    const page = await running.newPage();
    const { id } = (await (
      await fetch(`${running.server.base}/api/projects`, { method: "POST", body: '{"files": {"index.html": "<p>the app</p>"}}' })
    ).json()) as { id: string };
    await page.goto(`http://${id}.preview.localhost:${running.server.port}/index.html`);
    expect(await page.textContent("body")).toBe("the app");
    // The page's own script, by its real hashed name, on a preview origin: the app's fallback, never the playground.
    const entry = /src="(\/assets\/[^"]+\.js)"/.exec(await (await fetch(`${running.server.base}/`)).text())![1]!;
    expect((await fetch(`${running.server.base}${entry}`)).status).toBe(200);
    await page.goto(`http://${id}.preview.localhost:${running.server.port}${entry}`);
    expect(await page.textContent("body")).toBe("the app");
    await page.close();
  });

  it("takes only a project id from its URL: a crafted ?project= cannot steer its requests to another project", async () => {
    const base = running.server.base;
    const json = (path: string, body: unknown) => fetch(`${base}${path}`, { method: "POST", body: JSON.stringify(body) });
    const victim = (await (await json("/api/projects", { files: { "a.txt": "1\n" } })).json()) as { id: string };
    await json(`/api/projects/${victim.id}/commits`, { base: 1, changes: [{ op: "put", path: "a.txt", content: "2\n" }] });
    // A project whose file looks like a project answer for another id: the page's next calls would go to that "id".
    const planted = {
      id: `${victim.id}/restore?x=`,
      name: "planted",
      head: 1,
      previewUrl: `http://${victim.id}.preview.localhost:${running.server.port}/`,
    };
    const attacker = (await (await json("/api/projects", { files: { "p.json": JSON.stringify(planted) } })).json()) as { id: string };
    const page = await running.newPage();
    const sent: string[] = [];
    page.on("request", (request) => sent.push(`${request.method()} ${new URL(request.url()).pathname}`));
    try {
      for (const crafted of [`${attacker.id}/files/p.json?x=`, `${victim.id}/restore?x=`, "../../api/projects"]) {
        await page.goto(`${base}/?project=${encodeURIComponent(crafted)}`);
        // Long enough for the page to load a project and build its preview, as it does for a real one.
        await page.waitForLoadState("networkidle");
        await page.waitForTimeout(1000);
      }
      expect(sent.filter((line) => line.includes("/restore") || line.includes("/files/") || line.startsWith("POST"))).toEqual([]);
      const versions = (await (await fetch(`${base}/api/projects/${victim.id}/versions`)).json()) as { versions: unknown[] };
      expect(versions.versions).toHaveLength(2);
    } finally {
      await page.close();
    }
  });

  it("asks once for API_TOKEN, frames previews with it, and says when no model is configured", async () => {
    const dir = mkdtempSync(join(tmpdir(), "forge-playground-token-"));
    const secured = await startServer(dir, { env: { API_TOKEN: "page-secret" } });
    const page = await running.newPage();
    const problems = watch(page);
    try {
      const created = await fetch(`${secured.base}/api/projects`, {
        method: "POST",
        headers: { Authorization: "Bearer page-secret" },
        body: '{"files": {"index.html": "<p>framed with a token</p>"}}',
      });
      const { id } = (await created.json()) as { id: string };
      await page.goto(`${secured.base}/?project=${id}`);
      await page.getByLabel("API token").fill("page-secret");
      // The 401s that told the page to ask are behind us.
      problems.length = 0;
      await page.getByRole("button", { name: "Continue" }).click();
      await page.getByTestId("model-missing").getByText("MODEL=replay npm start").waitFor();
      // The preview's access cookie is kept inside the page's frame (another site), so the app loads.
      await page.frameLocator('[data-testid="preview-frame"]').getByText("framed with a token").waitFor();
      await step(page, "token-problems", async () => expect(problems.filter((problem) => !problem.includes("/chat"))).toEqual([]));
      await page.getByTestId("chat-input").fill("hello");
      await page.getByTestId("chat-input").press("Enter");
      await page.getByRole("alert").getByText("No model is configured").waitFor();
      expect(
        await page.evaluate(() =>
          (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem("forge.apiToken"),
        ),
      ).toBe("page-secret");
    } finally {
      await page.close();
      await secured.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
