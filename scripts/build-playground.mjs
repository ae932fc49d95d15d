#!/usr/bin/env node
// Builds the playground page (playground/) into playground/dist, which the
// Worker serves at / as static assets (see wrangler.toml and
// src/http/playground.ts). Runs before `npm start`, `npm test`, `npm run bench`
// and `npm run deploy`.
import { build } from "vite";

const started = Date.now();
// Always React's production build, whatever NODE_ENV the caller runs with (vitest sets "test");
// NODE_ENV is put back, since `npm start` hands its environment on to wrangler.
const nodeEnv = process.env.NODE_ENV;
process.env.NODE_ENV = "production";
try {
  await build({ configFile: new URL("../playground/vite.config.ts", import.meta.url).pathname, mode: "production", logLevel: "warn" });
} finally {
  if (nodeEnv === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = nodeEnv;
}
console.log(`playground: built in ${Date.now() - started} ms`);
