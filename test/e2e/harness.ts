import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { serveFakeRegistry } from "../fake-network";
import { launchChromium } from "./chromium";
import { startServer, type DevServer } from "./server";

/**
 * A real `npm start` server (dependencies from the loopback fake registry,
 * `env` added to its environment) and a headless Chromium, started before
 * the file's tests and stopped after them.
 */
export function browserAndServer(env: Record<string, string> = {}): { readonly server: DevServer; readonly browser: Browser } {
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
  };
}
