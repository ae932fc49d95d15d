import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { serveFakeRegistry } from "../fake-network";
import { launchChromium } from "./chromium";
import { startServer, type DevServer } from "./server";

/**
 * How long a page wait (a locator, a navigation, `expect.poll` in e2e files) may
 * take: ten times what the slowest takes on a quiet 2-core machine, so a busy
 * machine slows the suite down without failing it. Speed is `npm run bench`'s job.
 */
export const E2E_WAIT_MS = 120_000;

/**
 * A real `npm start` server (dependencies from the loopback fake registry,
 * `env` added to its environment) and a headless Chromium, started before
 * the file's tests and stopped after them. `newPage` opens a page whose waits
 * default to E2E_WAIT_MS.
 */
export function browserAndServer(env: Record<string, string> = {}): {
  readonly server: DevServer;
  readonly browser: Browser;
  newPage(options?: BrowserContextOptions): Promise<Page>;
} {
  let server: DevServer;
  let browser: Browser;
  let registry: Awaited<ReturnType<typeof serveFakeRegistry>>;
  const state = mkdtempSync(join(tmpdir(), "forge-browser-"));
  beforeAll(async () => {
    registry = await serveFakeRegistry();
    server = await startServer(state, { env: { NPM_REGISTRY: registry.url, ...env } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await registry?.close();
    rmSync(state, { recursive: true, force: true });
  });
  return {
    get server() {
      return server;
    },
    get browser() {
      return browser;
    },
    async newPage(options) {
      const page = await browser.newPage(options);
      page.setDefaultTimeout(E2E_WAIT_MS);
      return page;
    },
  };
}
