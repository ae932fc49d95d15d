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
    executablePath: await chromiumPath(),
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

/** CHROMIUM_PATH if set, else the packaged browser, which exists for Linux x64 only. */
async function chromiumPath(): Promise<string> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (process.platform === "linux" && process.arch === "x64") return chromium.executablePath();
  throw new Error(
    `No Chromium for the browser tests on ${process.platform}-${process.arch}: @sparticuz/chromium ships one for Linux x64 only. ` +
      `Set CHROMIUM_PATH to a local Chrome or Chromium (e.g. "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome").`,
  );
}
