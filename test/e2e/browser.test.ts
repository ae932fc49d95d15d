import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveFakeRegistry } from "../fake-network";
import { launchChromium } from "./chromium";
import { startServer, type DevServer } from "./server";

// A real browser opens preview origins, as a user would.
let server: DevServer;
let registry: Awaited<ReturnType<typeof serveFakeRegistry>>;
let browser: Browser;
const state = mkdtempSync(join(tmpdir(), "forge-browser-"));

beforeAll(async () => {
  registry = await serveFakeRegistry();
  server = await startServer(state, { env: { NPM_REGISTRY: registry.url } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await registry?.close();
  rmSync(state, { recursive: true, force: true });
});

describe("preview in a browser", () => {
  it("renders the starter app: React from the pre-bundled dependencies, data from the Hono server", async () => {
    const res = await fetch(`${server.base}/api/projects`, { method: "POST", body: "{}" });
    const { id, previewUrl } = (await res.json()) as { id: string; previewUrl: string };
    expect(previewUrl).toBe(`http://${id}.preview.localhost:${server.port}/`);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(previewUrl);
    await page.getByText("Hello from the server").waitFor({ timeout: 30_000 });
    expect(await page.locator("h1").textContent()).toBe("Starter app");
    // The stylesheet imported by src/main.tsx is applied.
    expect(await page.locator("main").evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { maxWidth: string } }).getComputedStyle(el).maxWidth)).toBe("640px");
    expect(errors).toEqual([]);
    await page.close();
  });
});
