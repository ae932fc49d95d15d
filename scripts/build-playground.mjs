#!/usr/bin/env node
// Builds the playground page (playground/) into playground/dist, which the
// Worker serves at / as static assets (see wrangler.toml and
// src/http/playground.ts). Runs before `npm start`, `npm test`, `npm run bench`
// and `npm run deploy`; skips the build when dist is newer than every source
// (many servers start during `npm test`, and a running `wrangler dev`
// reloads when its assets change).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const root = fileURLToPath(new URL("../playground/", import.meta.url));
const built = join(root, "dist", "index.html");

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

const sources = ["src", "index.html", "vite.config.ts", "tsconfig.json"].map((entry) => join(root, entry));
if (existsSync(built) && statSync(built).mtimeMs > Math.max(...sources.map(newest))) {
  console.log("playground: up to date");
} else {
  const started = Date.now();
  // Always React's production build, whatever NODE_ENV the caller runs with (vitest sets "test");
  // NODE_ENV is put back, since `npm start` hands its environment on to wrangler.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ configFile: join(root, "vite.config.ts"), mode: "production", logLevel: "warn" });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  console.log(`playground: built in ${Date.now() - started} ms`);
}
