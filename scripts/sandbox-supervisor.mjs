// The sandbox process of `npm start`: projects' code (previews, test runs,
// `execute`) runs in a workerd of its own (Miniflare, with the worker of
// src/sandbox/host/), reached by the API through a service binding over
// wrangler's dev registry. Local workerd runs every isolate of a process on
// one thread and enforces no CPU or memory limit, so this supervisor is what
// stops a runaway: it asks the process for a heartbeat every HEARTBEAT_MS and
// kills and starts it again when it has not answered for SANDBOX_STALL_MS (a
// loop that never yields), or when it grows past SANDBOX_MEMORY_MB. The new
// process learns why the last one was stopped, and the API tells the call
// that was cut off (src/sandbox/remote.ts).
import esbuild from "esbuild";
import { readdirSync, readFileSync, utimesSync } from "node:fs";
import { Agent, get } from "node:http";
import { join } from "node:path";
import { Log, LogLevel, Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// Often enough that the unanswered heartbeat dates the start of a stall closely: the API
// takes calls sent after it as not the cause (src/sandbox/remote.ts).
const HEARTBEAT_MS = 100;
/** Growth within the last second that marks an allocation without end (loading a worker takes a few MB). */
const RUNAWAY_GROWTH_MB = 100;

/**
 * Starts the sandbox process and watches it until `stop()`. `registry` is
 * the dev registry directory the API's `wrangler dev` uses too; `persistTo`
 * its state directory, where the apps' D1 databases are kept as well.
 */
export async function superviseSandbox({ registry, compatibilityDate, stallMs, memoryMb, persistTo, log = console.log }) {
  const script = await bundleHost();
  let generation = 0;
  let current;
  let stopping = false;
  let lastStop = null;
  let restarting = null;

  async function start() {
    generation += 1;
    const mf = new Miniflare({
      name: "forge-sandbox",
      modules: [{ type: "ESModule", path: "sandbox-host.js", contents: script }],
      compatibilityDate,
      compatibilityFlags: ["nodejs_compat"],
      workerLoaders: { LOADER: {} },
      // The apps' D1 databases live here, beside the API's state: a query without end stalls this process, not the API.
      durableObjects: { APP_DATABASES: { className: "AppDatabase", useSQLite: true } },
      durableObjectsPersist: join(persistTo, "sandbox", "do"),
      serviceBindings: { HOST: { name: "forge", entrypoint: "SandboxGateway" } },
      bindings: { GENERATION: String(generation), LAST_STOP: lastStop ? JSON.stringify(lastStop) : "" },
      unsafeDevRegistryPath: registry,
      // No request.cf lookups (they would go to the network).
      cf: false,
      host: "127.0.0.1",
      port: 0,
      // The heartbeat goes straight to the host worker, past Miniflare's entry worker.
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      log: new Log(LogLevel.WARN),
    });
    await mf.ready;
    const url = await mf.unsafeGetDirectURL();
    current = { mf, url, pid: workerdPid(new Set(current ? [current.pid] : [])) };
    nudgeRegistry(registry);
  }

  async function restart(stop) {
    lastStop = { ...stop, at: Date.now() };
    const started = Date.now();
    const old = current;
    current = undefined;
    await old?.mf.dispose().catch(() => undefined);
    if (stopping) return;
    await start();
    log(
      `[sandbox] ${describe(stop)}: the sandbox process was stopped and started again in ${Date.now() - started} ms (generation ${generation}).`,
    );
  }

  await start();
  const restartFor = (stop) => {
    restarting = restart(stop)
      .catch((error) => log(`[sandbox] the sandbox process could not be started again: ${error?.stack ?? error}`))
      .finally(() => (restarting = null));
  };
  const timer = setInterval(() => {
    if (restarting || stopping) return;
    // A start that failed is tried again on the next tick.
    if (!current) return restartFor(lastStop ?? { kind: "exited", detail: "it could not be started" });
    const watched = current;
    const rss = watched.pid ? residentMb(watched.pid) : 0;
    const now = Date.now();
    watched.rss = [...(watched.rss ?? []).filter(([at]) => at >= now - 1_000), [now, rss]];
    if (rss > memoryMb) {
      // Grown fast, a call allocates without end; grown slowly, the process holds many loaded
      // workers (every version previewed stays loaded), and is started afresh without blaming a call.
      const grew = rss - watched.rss[0][1];
      return restartFor({ kind: grew >= RUNAWAY_GROWTH_MB ? "memory" : "recycled", detail: String(rss) });
    }
    if (watched.pingSentAt !== undefined) {
      // A spinning process never answers: the heartbeat's age is the measure.
      const waited = Date.now() - watched.pingSentAt;
      if (waited >= stallMs) restartFor({ kind: "stalled", detail: String(waited), since: watched.pingSentAt });
      return;
    }
    watched.pingSentAt = Date.now();
    heartbeat(watched.url).then(
      () => (watched.pingSentAt = undefined),
      () => {
        if (watched.pid && !alive(watched.pid) && current === watched) restartFor({ kind: "exited", detail: "the process died" });
      },
    );
  }, HEARTBEAT_MS);

  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      await restarting;
      await current?.mf.dispose().catch(() => undefined);
    },
  };
}

/**
 * Touches the process's entry in the dev registry a few times after a start.
 * wrangler learns of the new process from a file watcher, which can miss the
 * entry being removed and written again within a moment (or read it half
 * written): the API then waited many seconds for a process that was up.
 */
function nudgeRegistry(registry) {
  const entry = join(registry, "forge-sandbox");
  for (const delay of [100, 400, 1_000, 2_500]) {
    setTimeout(() => {
      const now = new Date();
      try {
        utimesSync(entry, now, now);
      } catch {
        // Removed meanwhile (stopped again): the next start writes it again.
      }
    }, delay).unref();
  }
}

// One kept-alive connection to the host worker's own socket: a heartbeat costs a small
// request, not Miniflare's dispatchFetch and entry worker (which, 20 times a second, took
// about a sixth of a core).
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** Resolves when the process answers the heartbeat; rejects when the connection fails. */
function heartbeat(url) {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent }, (res) => {
      res.resume();
      res.on("end", resolve);
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

function describe(stop) {
  if (stop.kind === "stalled") return `a worker ran for ${stop.detail} ms without yielding`;
  if (stop.kind === "memory") return `the sandbox grew to ${stop.detail} MB`;
  if (stop.kind === "recycled") return `the sandbox holds ${stop.detail} MB of loaded workers`;
  return `the sandbox exited (${stop.detail})`;
}

async function bundleHost() {
  const result = await esbuild.build({
    entryPoints: [`${root}src/sandbox/host/worker.ts`],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    external: ["cloudflare:workers"],
    logLevel: "warning",
  });
  return result.outputFiles[0].text;
}

/** The workerd process Miniflare just started: a child of this process that is not one of `known`. */
function workerdPid(known) {
  try {
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name) || known.has(Number(name))) continue;
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === process.pid && stat.includes("(workerd)")) return Number(name);
    }
  } catch {
    // No /proc (macOS): the memory limit is not watched.
  }
  return undefined;
}

function residentMb(pid) {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : 0;
  } catch {
    return 0;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
