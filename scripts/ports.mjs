// Free ports for servers that start other servers. A port picked with `listen(0)` and
// closed again comes from the kernel's ephemeral range, from which a starting server
// (workerd's sockets, the sandbox's, wrangler's own: a dozen of them) keeps taking ports,
// so it can be gone before it is bound. Ports below that range are never handed out so.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

const ephemeralLow = (() => {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (low > 20_000) return low;
  } catch {
    // not Linux
  }
  return 49_152; // the IANA range, which macOS and Windows use
})();
const handedOut = new Set();

/** A port on 127.0.0.1 that was free a moment ago, below the ephemeral range, never the same twice in a process. */
export async function freePort() {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * (ephemeralLow - 20_000));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error("no free port found below the ephemeral range");
}

function bindable(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
