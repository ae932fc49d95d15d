import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { serveFakeRegistry } from "../fake-network";
import { launchChromium } from "../e2e/chromium";
import { startServer } from "../e2e/server";

// The README's screenshot: the playground in the middle of a replay turn, after its first edits.
test("docs/playground.png", async () => {
  const registry = await serveFakeRegistry();
  const state = mkdtempSync(join(tmpdir(), "forge-screenshot-"));
  const server = await startServer(state, { env: { NPM_REGISTRY: registry.url, MODEL: "replay", REPLAY_DELAY_MS: "1500" } });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
    await page.goto(`${server.base}/`);
    await page.getByTestId("new-project").click();
    await page.waitForURL(/\?project=/);
    await page.getByTestId("chat-input").fill("Turn the starter into a todo list");
    await page.getByTestId("chat-input").press("Enter");
    // Mid-turn: the files are written, the build and tests have not run yet.
    await expect.poll(() => page.getByTestId("chat-log").locator("li.tool.ok").count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    await page.getByRole("tab", { name: "Versions" }).click();
    await page.getByLabel("Diff to").selectOption("draft");
    await page.getByLabel("Diff from").selectOption("1");
    await page
      .getByTestId("diff-view")
      .getByRole("heading", { name: /src\/server.ts/ })
      .waitFor();
    await expect.poll(() => page.getByTestId("diff-view").textContent()).not.toContain("index.html");
    mkdirSync("docs", { recursive: true });
    await page.screenshot({ path: "docs/playground.png" });
  } finally {
    await browser.close();
    await server.stop();
    await registry.close();
    rmSync(state, { recursive: true, force: true });
  }
});
