import chromium from "@sparticuz/chromium";
import { chromium as playwright, type Browser } from "playwright-core";

/**
 * Headless Chromium from the `@sparticuz/chromium` npm package (the browser
 * ships inside it, so `npm test` needs nothing else installed). Its own
 * `chromium.args` are not used: they include `--disable-web-security`, which
 * would switch off the same-origin rules these tests check.
 */
export async function launchChromium(): Promise<Browser> {
  return playwright.launch({
    executablePath: process.env.CHROMIUM_PATH || (await chromium.executablePath()),
    args: [
      "--no-sandbox",
      "--no-zygote",
      "--disable-gpu",
      // This machine has no network: keep Chromium from trying to phone home.
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-domain-reliability",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
