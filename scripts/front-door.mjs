// The front door of `npm start`: the port people and browsers reach. workerd answers a
// request whose Host it cannot parse (a space, `%`, non-ASCII, a bad port) with a bare 500
// before any Worker code runs; the front door answers it 400 `invalid_host` instead.
// Every other byte goes to wrangler dev, on a loopback port of its own, as it came: the
// connection is spliced, and the requests on it are only framed (heads, Content-Length
// and chunked bodies) to find each one's Host. Nothing is parsed again or rewritten, so
// the hop costs a socket write, not an HTTP client and server.
import { connect, createServer } from "node:net";

/** A host as the runtime takes it: a DNS-style name, IPv4 or a bracketed IPv6 address, and an optional port. */
const HOST = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,62})?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62})?)*\.?|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i;

/** Past this, a head (or a chunk-size line, or trailers) is left to the runtime, which refuses it itself. */
const MAX_HEAD_BYTES = 256 * 1024;
const CRLF = Buffer.from("\r\n");
const END_OF_HEAD = Buffer.from("\r\n\r\n");

export function validHost(host) {
  const match = host.length <= 255 ? HOST.exec(host) : null;
  return match !== null && (match[1] === undefined || Number(match[1]) <= 65535);
}

/** Serves `port` on `host`, splicing each connection to wrangler dev on 127.0.0.1:`upstreamPort`. */
export function serveFrontDoor({ port, host, upstreamPort }) {
  const sockets = new Set();
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    splice(client, upstreamPort);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(port), host, () =>
      resolve({
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

function splice(client, upstreamPort) {
  const upstream = connect({ port: upstreamPort, host: "127.0.0.1", noDelay: true, allowHalfOpen: true });
  const framer = new RequestFramer();
  let answered = false;
  let sent = false;
  let refusal = null;

  client.on("data", (chunk) => {
    if (refusal) return;
    const { parts, refused } = framer.push(chunk);
    let flowing = true;
    for (const part of parts) flowing = upstream.write(part);
    sent ||= parts.length > 0;
    if (!flowing) {
      client.pause();
      upstream.once("drain", () => refusal || client.resume());
    }
    if (refused === undefined) return;
    refusal = refused;
    client.pause();
    // The answers to the requests before it come first: the runtime finishes them and
    // closes once it reads the end of the requests, and the refusal follows.
    if (sent) upstream.end();
    else refuse();
  });
  client.on("end", () => upstream.end());
  client.on("error", () => upstream.destroy());
  client.on("close", () => upstream.destroy());

  upstream.on("data", (chunk) => {
    answered = true;
    if (!client.write(chunk)) {
      upstream.pause();
      client.once("drain", () => upstream.resume());
    }
  });
  upstream.on("end", () => (refusal ? refuse() : client.end()));
  upstream.on("error", (error) => {
    if (answered || client.destroyed) return client.destroy();
    // As wrangler answers while it restarts the Worker: a 503 with Retry-After (the playground sends it again).
    const body = `The local server behind this port did not answer (${error.message}); it may be restarting.\n`;
    client.end(
      `HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  function refuse() {
    upstream.destroy();
    const shown = refusal.slice(0, 200);
    const body = JSON.stringify({
      error: {
        code: "invalid_host",
        message: `The Host header ${JSON.stringify(shown)} is not a host name, an IP address or a port this server can take.`,
        host: shown,
      },
    });
    client.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
}

/**
 * Splits a connection's bytes into requests, as far as needed to read each head: the head
 * whole, then its body by Content-Length or chunk by chunk. `push` returns the slices to
 * send on, byte for byte as they came, and the Host of a head to refuse. What it cannot
 * frame (an upgrade, CONNECT, framing the runtime would refuse) goes on unread.
 */
class RequestFramer {
  state = "head";
  pending = Buffer.alloc(0);
  remaining = 0;

  push(chunk) {
    const parts = [];
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.state === "raw") {
        parts.push(data);
        break;
      }
      if (this.state === "body" || this.state === "chunk") {
        const taken = Math.min(this.remaining, data.length);
        parts.push(data.subarray(0, taken));
        data = data.subarray(taken);
        this.remaining -= taken;
        if (this.remaining === 0) this.state = this.state === "body" ? "head" : "chunk-size";
        continue;
      }
      // A head, a chunk-size line or trailers: each ends at a known delimiter.
      const head = this.state === "head";
      if (head && data[0] === 0x0d && data[1] === 0x0a) {
        // Empty lines between requests are allowed (RFC 9112 §2.2).
        parts.push(data.subarray(0, 2));
        data = data.subarray(2);
        continue;
      }
      const delimiter = this.state === "chunk-size" ? CRLF : END_OF_HEAD;
      const end = this.state === "trailers" && data[0] === 0x0d && data[1] === 0x0a ? 0 : data.indexOf(delimiter);
      if (end < 0) {
        if (data.length > MAX_HEAD_BYTES) this.state = "raw";
        else this.pending = data;
        if (this.state === "raw") continue;
        break;
      }
      const length = this.state === "trailers" && end === 0 ? 2 : end + delimiter.length;
      const text = data.subarray(0, end).toString("latin1");
      if (head) {
        const refused = this.head(text);
        if (refused !== undefined) return { parts, refused };
      } else if (this.state === "chunk-size") {
        const size = /^([0-9a-f]+)[ \t]*(?:;.*)?$/i.exec(text);
        if (!size) this.state = "raw";
        else {
          this.remaining = Number.parseInt(size[1], 16);
          // The data, then its CRLF; a last chunk (size 0) is followed by trailers.
          if (this.remaining === 0) this.state = "trailers";
          else {
            this.remaining += 2;
            this.state = "chunk";
          }
        }
      } else this.state = "head";
      parts.push(data.subarray(0, length));
      data = data.subarray(length);
    }
    return { parts, refused: undefined };
  }

  /** Reads a head: the Host to refuse, or undefined with the state its body starts in. */
  head(text) {
    const lines = text.split("\r\n");
    const fields = new Map();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      const name = line
        .slice(0, colon < 0 ? line.length : colon)
        .trim()
        .toLowerCase();
      fields.set(name, [...(fields.get(name) ?? []), line.slice(colon + 1).trim()]);
    }
    const hosts = fields.get("host") ?? [];
    if (hosts.length > 1) return hosts.join(", ");
    if (hosts.length === 1 && hosts[0] !== "" && !validHost(hosts[0])) return hosts[0];
    const method = lines[0].split(" ", 1)[0];
    const connection = (fields.get("connection") ?? []).join(",").toLowerCase();
    const encoding = fields.get("transfer-encoding");
    const lengths = new Set(fields.get("content-length") ?? []);
    if (method === "CONNECT" || (fields.has("upgrade") && connection.includes("upgrade"))) this.state = "raw";
    else if (encoding) this.state = /(?:^|,)\s*chunked\s*$/i.test(encoding.join(",")) && lengths.size === 0 ? "chunk-size" : "raw";
    else if (lengths.size > 1 || (lengths.size === 1 && !/^\d{1,15}$/.test([...lengths][0]))) this.state = "raw";
    else {
      this.remaining = lengths.size === 1 ? Number([...lengths][0]) : 0;
      this.state = this.remaining > 0 ? "body" : "head";
    }
    return undefined;
  }
}
