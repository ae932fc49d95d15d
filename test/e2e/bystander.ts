// What the runaway e2e files share: projects made over the API, preview requests, and a
// watcher that keeps asking the API and a well-behaved project's preview (the bystander)
// while a runaway runs, noting every failure and the worst latency.
import { createServer, request as httpRequest } from "node:http";
import { expect } from "vitest";
import type { DevServer } from "./server";

/** The supervisor's stall limit in these files; the default is 1000 ms. */
export const STALL_MS = 1000;
/**
 * The worst latency a bystander may see while a runaway is stopped. Quiet, it is about
 * 1.3 s (its call cut off with the runaway's, and sent again once the process is back);
 * this bound is ten times the stall limit, so a busy machine makes it slower, not red.
 */
export const BYSTANDER_MS = 10 * STALL_MS;

/** The bystander's code: it reaches the host (KV) on every request, as most apps do, and answers a POST's body. */
export const BYSTANDER =
  'export default { async fetch(req, env) { await env.KV.put("n", "1"); const sent = req.method === "POST" ? " " + await req.text() : ""; return new Response("bystander " + await env.KV.get("n") + sent); } };';

export async function createProject(server: DevServer, server_ts: string, extra: Record<string, string> = {}): Promise<string> {
  const files = {
    "package.json": JSON.stringify({ name: "app", private: true, type: "module" }),
    "wrangler.toml": 'name = "app"\nmain = "src/server.ts"\ncompatibility_date = "2026-04-26"\n',
    "src/server.ts": server_ts,
    ...extra,
  };
  const res = await fetch(`${server.base}/api/projects`, { method: "POST", body: JSON.stringify({ files }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** A preview request (Node's fetch does not send a Host of our choosing, so node:http). */
export function preview(server: DevServer, id: string, path: string, post?: string): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: server.port,
        path,
        method: post === undefined ? "GET" : "POST",
        headers: { Host: `${id}.preview.localhost:${server.port}` },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
      },
    );
    req.on("error", reject);
    req.end(post);
  });
}

/** Keeps asking the API and the bystander's preview until stopped; every failure and the worst latency. */
export function watch(server: DevServer, bystander: string): { stop(): Promise<{ worstMs: number; failures: string[] }> } {
  let running = true;
  const failures: string[] = [];
  let worstMs = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const [api, app] = await Promise.all([
        fetch(`${server.base}/api/projects/${bystander}`).then((res) => res.status),
        preview(server, bystander, "/").then((answer) =>
          answer.body === "bystander 1" ? answer.status : `${answer.status} ${answer.body}`,
        ),
      ]).catch((error) => [String(error), String(error)]);
      worstMs = Math.max(worstMs, performance.now() - started);
      if (api !== 200) failures.push(`API: ${api}`);
      if (app !== 200) failures.push(`preview: ${app}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { worstMs, failures };
    },
  };
}

/**
 * Neither the API nor the bystander's preview fails or waits long: a bystander's call cut
 * off with the runaway's is sent again (see the README's Runaway code).
 */
export function expectBystanderServed(seen: { worstMs: number; failures: string[] }): void {
  expect(seen.failures).toEqual([]);
  expect(seen.worstMs).toBeLessThan(BYSTANDER_MS);
}

/** Serves a fetch handler (a fake of the Messages API) on a loopback port, for a real `npm start` server. */
export async function serve(handler: (request: Request) => Promise<Response>): Promise<{ url: string; close(): Promise<void> }> {
  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const headers = Object.entries(req.headers).flatMap(([name, value]) =>
      typeof value === "string" ? [[name, value] as [string, string]] : [],
    );
    const response = await handler(
      new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, ...(body ? { body } : {}) }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const chunk of response.body) res.write(chunk);
    res.end();
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => http.close(() => resolve())) };
}
