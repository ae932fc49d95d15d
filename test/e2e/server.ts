import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** A real `npm start` server (scripts/dev.mjs → wrangler dev) on a free port. */
export interface DevServer {
  port: number;
  base: string;
  /** Process (and process group) id of the server. */
  pid: number;
  stop(): Promise<void>;
  /** `kill -9` of the whole server (wrangler and workerd), as a crash would. */
  crash(): Promise<void>;
  /** The last 64 KiB the server printed. */
  output(): string;
}

// Ports the kernel hands out for `listen(0)` and outgoing connections. A server takes a
// dozen of them while it starts (workerd's sockets, the sandbox's, wrangler's own), so a
// port picked from this range and closed again can be taken before the server binds it.
const ephemeral = (() => {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (low && high) return { low, high };
  } catch {
    // not Linux: the IANA range, which macOS and Windows use
  }
  return { low: 49152, high: 65535 };
})();
const handedOut = new Set<number>();

/** A free port below the ephemeral range, so nothing else is given it while a server starts. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * (Math.min(ephemeral.low, 65_536) - 20_000));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error("no free port found below the ephemeral range");
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** `env` is added to the shell environment of `npm start` (API_TOKEN is cleared unless given). */
export async function startServer(persistTo: string, options: { port?: number; env?: Record<string, string> } = {}): Promise<DevServer> {
  const chosen = options.port ?? (await freePort());
  const child = spawn(process.execPath, ["scripts/dev.mjs", "--persist-to", persistTo, "--show-interactive-dev-session=false"], {
    env: { ...process.env, API_TOKEN: "", ...options.env, PORT: String(chosen), CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  // Read the server's log all the time (a full pipe would block the server), keeping its tail for errors.
  let output = "";
  // wrangler says it is ready once it holds the port: an answer before that would come
  // from whatever else held it.
  let ready = false;
  const keep = (chunk: Buffer) => {
    output = (output + chunk).slice(-64 * 1024);
    ready ||= output.includes(`Ready on http://127.0.0.1:${chosen}`);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const base = `http://localhost:${chosen}`;
  // Quiet, the server answers within ~10 s; a busy machine may take many times that.
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    // Then any HTTP answer (401 too, with a token) means the Worker is up.
    if (ready) {
      try {
        await fetch(`${base}/`);
        break;
      } catch {
        // not answering yet
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (Date.now() >= deadline) {
    kill(child);
    throw new Error(`server did not start within 240 s:\n${output}`);
  }
  return { port: chosen, base, pid: child.pid!, stop: () => stop(child), crash: () => crash(child), output: () => output };
}

function kill(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    // already gone
  }
}

async function crash(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid!, "SIGKILL");
  await exited;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  kill(child);
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 10_000);
  await exited;
  // The runtime (workerd) is a grandchild: wait until the whole group is gone, so a
  // restart or the next benchmark never overlaps a runtime still shutting down.
  for (const deadline = Date.now() + 15_000; groupAlive(child.pid!) && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  clearTimeout(timer);
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
