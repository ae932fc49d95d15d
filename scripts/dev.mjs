#!/usr/bin/env node
// `npm start`: runs the API locally with `wrangler dev` (local persistence in
// .wrangler/state, no Cloudflare account needed). The documented variables
// are taken from .dev.vars and then from the shell (the shell wins), and
// handed to the Worker as secrets so wrangler never prints their values.
// The sandbox's test runner and the playground page are built first
// (scripts/build-sandbox-runtime.mjs, scripts/build-playground.mjs).
import "./build-sandbox-runtime.mjs";
import "./build-playground.mjs";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { workerVariables } from "./dev-variables.mjs";
import { superviseSandbox } from "./sandbox-supervisor.mjs";

const values = workerVariables(process.env, existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "");

const port = process.env.PORT ?? "8787";
if (!/^\d+$/.test(port)) {
  console.error(`PORT must be a number, got "${port}".`);
  process.exit(1);
}
// Without a token the API is open, so it only listens on loopback.
const host = process.env.HOST ?? "127.0.0.1";
if (!values.API_TOKEN && !["127.0.0.1", "localhost", "::1"].includes(host)) {
  console.error(`Refusing to listen on ${host} without API_TOKEN: the API would be open to the network.`);
  process.exit(1);
}

mkdirSync(".wrangler", { recursive: true });
// One file per server: servers started side by side (several checkouts' tests, say) must
// never read each other's variables. It is removed when the server exits, and the files
// of servers that were killed outright are swept here.
for (const name of readdirSync(".wrangler")) {
  const pid = /^dev-(\d+)\.env$/.exec(name)?.[1];
  if (pid && !alive(Number(pid))) rmSync(`.wrangler/${name}`, { force: true });
}
const envFile = `.wrangler/dev-${process.pid}.env`;
writeFileSync(
  envFile,
  Object.entries(values)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join("\n") + "\n",
  { mode: 0o600 },
);

// Projects' code runs in a sandbox process of its own, which the API reaches over a dev
// registry private to this server (servers side by side never reach each other's).
const registry = mkdtempSync(join(tmpdir(), "forge-registry-"));
// wrangler's `--persist-to` (default .wrangler/state) keeps the apps' D1 databases too.
const persistAt = process.argv.indexOf("--persist-to");
const sandbox = await superviseSandbox({
  registry,
  persistTo: persistAt >= 0 ? process.argv[persistAt + 1] : ".wrangler/state",
  compatibilityDate: parseToml(readFileSync("wrangler.toml", "utf8")).compatibility_date,
  stallMs: positive("SANDBOX_STALL_MS", 1000),
  memoryMb: positive("SANDBOX_MEMORY_MB", 1024),
});

const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
const args = [wrangler, "dev", "--env", "local", "--port", port, "--ip", host, "--env-file", envFile, ...process.argv.slice(2)];
console.log(`API on http://localhost:${port}/api, previews at http://<project id>.preview.localhost:${port}/`);
const child = spawn(process.execPath, args, {
  stdio: "inherit",
  // The toolchain is pinned (see the README), so wrangler's banner with its update notice is hidden.
  env: {
    ...process.env,
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
    WRANGLER_REGISTRY_PATH: registry,
  },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", async (code, signal) => {
  rmSync(envFile, { force: true });
  await sandbox.stop();
  rmSync(registry, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});

/** A positive whole number from the variables, or its default. */
function positive(name, fallback) {
  const value = values[name];
  if (value === undefined || value === "") return fallback;
  if (!/^[1-9]\d*$/.test(value)) {
    console.error(`${name} must be a positive whole number, got "${value}".`);
    process.exit(1);
  }
  return Number(value);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}
