// The outside world of the tests, served to workerd through the Workers
// Vitest pool's outboundService (Node side):
// - a fake npm registry: packuments and gzipped `package/…` tarballs built
//   from packages installed in this repository's node_modules plus a few
//   fixtures, so builds install real packages without any network;
// - an echo API at https://echo.example.test that answers with the request
//   it received (to see what a preview's sandbox lets through), and
//   redirects to `?to=` at /redirect;
// - a fake Anthropic Messages API at https://anthropic.fake (fake-anthropic.ts);
// - nothing else: any other host gets a 502.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import "./agent-scenarios.ts";
import "./security-scenarios.ts";
import { ANTHROPIC, fakeAnthropic } from "./fake-anthropic.ts";

export const REGISTRY = "https://registry.npmjs.org";

type Package = { name: string; version: string; dependencies: Record<string, string>; files: Map<string, Buffer> };

const FIXTURES: Record<string, { version: string; files: Record<string, string>; delayMs?: number; tarball?: (origin: string) => string }> =
  {
    "tiny-greet": {
      version: "1.2.0",
      files: {
        "package.json": JSON.stringify({ name: "tiny-greet", version: "1.2.0", type: "module", main: "index.js" }),
        "index.js": "export function greet(name) { return `Hello, ${name}!`; }\n",
      },
    },
    // Reaches out of node_modules into the project that installs it: a shared vendor bundle must never take that in.
    "reaching-greet": {
      version: "1.0.0",
      files: {
        "package.json": JSON.stringify({ name: "reaching-greet", version: "1.0.0", type: "module", main: "index.js" }),
        "index.js": 'export { secret } from "../../src/secret.js";\n',
      },
    },
    // Its packument takes a while: a build that installs it is still running when a test acts.
    "slow-greet": {
      version: "1.0.0",
      delayMs: 1500,
      files: {
        "package.json": JSON.stringify({ name: "slow-greet", version: "1.0.0", type: "module", main: "index.js" }),
        "index.js": "export function greet(name) { return `Hello slowly, ${name}!`; }\n",
      },
    },
    // A stylesheet package: `@import "tiny-styles"` finds its `style` entry, `tiny-styles/extra.css` a file.
    "tiny-styles": {
      version: "1.0.0",
      files: {
        "package.json": JSON.stringify({ name: "tiny-styles", version: "1.0.0", style: "dist/base.css" }),
        "dist/base.css": ".tiny-base { color: rebeccapurple; }\n",
        "extra.css": ".tiny-extra { margin: 0; }\n",
      },
    },
    // No "exports": deep imports are files (`deep-pkg/chunk`), a directory with its own main, a browser map.
    "deep-pkg": {
      version: "1.0.0",
      files: {
        "package.json": JSON.stringify({
          name: "deep-pkg",
          version: "1.0.0",
          main: "index.js",
          browser: { "./lib/platform.js": "./lib/platform-browser.js" },
        }),
        "index.js": 'module.exports = { entry: "main" };\n',
        "chunk.js":
          "module.exports = function chunk(array, size) {\n  const out = [];\n  for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));\n  return out;\n};\n",
        "fp/package.json": JSON.stringify({ main: "./fp-main.js" }),
        "fp/fp-main.js": 'module.exports = "fp";\n',
        "lib/platform.js": 'module.exports = "node";\n',
        "lib/platform-browser.js": 'module.exports = "browser";\n',
      },
    },
    // An "exports" map: only what it lists can be imported.
    "exports-pkg": {
      version: "1.0.0",
      files: {
        "package.json": JSON.stringify({
          name: "exports-pkg",
          version: "1.0.0",
          type: "module",
          exports: { ".": "./index.js", "./feature": { browser: "./feature-browser.js", default: "./feature.js" } },
        }),
        "index.js": 'export const entry = "main";\n',
        "feature.js": 'export const feature = "default";\n',
        "feature-browser.js": 'export const feature = "browser";\n',
        "hidden.js": 'export const hidden = "not exported";\n',
      },
    },
    // Hostile metadata: a tarball on another origin (a loopback port), and one that redirects there.
    "offsite-tarball": {
      version: "1.0.0",
      tarball: () => "http://127.0.0.1:9/offsite-tarball-1.0.0.tgz",
      files: { "package.json": JSON.stringify({ name: "offsite-tarball", version: "1.0.0" }) },
    },
    "redirected-tarball": {
      version: "1.0.0",
      tarball: (origin) => `${origin}/-/fake/redirect?to=${encodeURIComponent("http://127.0.0.1:9/redirected.tgz")}`,
      files: { "package.json": JSON.stringify({ name: "redirected-tarball", version: "1.0.0" }) },
    },
  };
/** Packages served from this repository's node_modules, with every package they depend on. */
const FROM_NODE_MODULES = withDependencies([
  "hono",
  "react",
  "react-dom",
  "preact",
  "lit",
  "svelte",
  "vue",
  "solid-js",
  "vite-plugin-solid",
  "classnames",
  "todomvc-app-css",
]);

function withDependencies(roots: string[]): Set<string> {
  const found = new Set<string>();
  const visit = (name: string) => {
    if (found.has(name)) return;
    found.add(name);
    const manifest = JSON.parse(readFileSync(join(process.cwd(), "node_modules", name, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency);
  };
  for (const root of roots) visit(root);
  return found;
}

const packages = new Map<string, Package[]>();
const tarballs = new Map<string, Buffer>();
const requests = new Map<string, number>();
/** Requests workerd sent to hosts this fake does not serve. */
const offsite: string[] = [];

/** Every version of `name` this fake serves (a fixture, or each copy installed in node_modules, nested ones too). */
function load(name: string): Package[] {
  const known = packages.get(name);
  if (known) return known;
  const fixture = FIXTURES[name];
  let versions: Package[] = [];
  if (fixture) {
    versions = [
      {
        name,
        version: fixture.version,
        dependencies: {},
        files: new Map(Object.entries(fixture.files).map(([p, c]) => [p, Buffer.from(c)])),
      },
    ];
  } else if (FROM_NODE_MODULES.has(name)) {
    const byVersion = new Map<string, Package>();
    for (const dir of installedCopies(name)) {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        version: string;
        dependencies?: Record<string, string>;
      };
      if (byVersion.has(manifest.version)) continue;
      const files = new Map<string, Buffer>();
      const walk = (at: string) => {
        for (const entry of readdirSync(at)) {
          const full = join(at, entry);
          // A package's own nested node_modules are other packages, not its files.
          if (statSync(full).isDirectory()) {
            if (entry !== "node_modules") walk(full);
          } else files.set(relative(dir, full), readFileSync(full));
        }
      };
      walk(dir);
      byVersion.set(manifest.version, { name, version: manifest.version, dependencies: manifest.dependencies ?? {}, files });
    }
    versions = [...byVersion.values()];
  }
  packages.set(name, versions);
  return versions;
}

/** The directories of `name` in node_modules: the hoisted copy and the copies nested under other packages. */
function installedCopies(name: string): string[] {
  const copies: string[] = [];
  const search = (modules: string, depth: number) => {
    const dir = join(modules, name);
    if (existsSync(join(dir, "package.json"))) copies.push(dir);
    if (depth === 0) return;
    for (const entry of readdirSync(modules)) {
      const packages = entry.startsWith("@") ? readdirSync(join(modules, entry)).map((inner) => join(entry, inner)) : [entry];
      for (const pkg of packages) {
        const nested = join(modules, pkg, "node_modules");
        if (existsSync(nested)) search(nested, depth - 1);
      }
    }
  };
  search(join(process.cwd(), "node_modules"), 2);
  return copies;
}

export const ECHO = "https://echo.example.test";

/** Handles one outbound request of workerd. */
export async function fakeNetwork(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (`${url.protocol}//${url.host}` === ECHO) {
    if (url.pathname === "/redirect") return new Response(null, { status: 302, headers: { Location: url.searchParams.get("to")! } });
    return Response.json({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers) });
  }
  if (`${url.protocol}//${url.host}` === ANTHROPIC) return fakeAnthropic(request);
  if (`${url.protocol}//${url.host}` !== REGISTRY) {
    offsite.push(`${request.method} ${url.href}`);
    return new Response(`No network in tests: ${request.method} ${url.href}`, { status: 502 });
  }
  return fakeRegistry(request);
}

/** The registry alone, at whatever origin it is served from. */
export async function fakeRegistry(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/-/fake/requests") return Response.json(Object.fromEntries(requests));
  if (url.pathname === "/-/fake/offsite") return Response.json(offsite);
  if (url.pathname === "/-/fake/redirect") return new Response(null, { status: 302, headers: { Location: url.searchParams.get("to")! } });
  const tarball = /^\/((?:@[^/]+\/)?[^/]+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(decodeURIComponent(url.pathname));
  if (tarball) {
    const pkg = load(tarball[1]!).find((each) => each.version === tarball[2]);
    if (!pkg) return new Response("not found", { status: 404 });
    return new Response(tarballOf(pkg), { headers: { "Content-Type": "application/octet-stream" } });
  }
  const name = decodeURIComponent(url.pathname.slice(1));
  requests.set(name, (requests.get(name) ?? 0) + 1);
  const delayMs = FIXTURES[name]?.delayMs;
  if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const versions = load(name);
  if (versions.length === 0) return Response.json({ error: "Not found" }, { status: 404 });
  const base = name.split("/").at(-1);
  const latest = versions
    .map((each) => each.version)
    .sort(compareVersions)
    .at(-1)!;
  return Response.json({
    name,
    "dist-tags": { latest },
    versions: Object.fromEntries(
      versions.map((pkg) => [
        pkg.version,
        {
          name,
          version: pkg.version,
          dependencies: pkg.dependencies,
          dist: { tarball: FIXTURES[name]?.tarball?.(url.origin) ?? `${url.origin}/${name}/-/${base}-${pkg.version}.tgz` },
        },
      ]),
    ),
  });
}

/** Orders plain x.y.z versions (prereleases after their release is good enough for a fake). */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((version) => version.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0));
  for (let i = 0; i < Math.max(x!.length, y!.length); i++) if ((x![i] ?? 0) !== (y![i] ?? 0)) return (x![i] ?? 0) - (y![i] ?? 0);
  return 0;
}

function tarballOf(pkg: Package): Buffer {
  const key = `${pkg.name}@${pkg.version}`;
  let tgz = tarballs.get(key);
  if (!tgz) {
    const blocks: Buffer[] = [];
    for (const [path, content] of pkg.files) {
      blocks.push(tarHeader(`package/${path}`, content.length), content, Buffer.alloc((512 - (content.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    tgz = gzipSync(Buffer.concat(blocks));
    tarballs.set(key, tgz);
  }
  return tgz;
}

/** A ustar header; long names are split into prefix (155) + name (100) as ustar allows. */
function tarHeader(path: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  let name = path;
  let prefix = "";
  if (Buffer.byteLength(path) > 100) {
    const cut = path.lastIndexOf("/", 155);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
  }
  header.write(name, 0, 100);
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\0", 257);
  header.write("00", 263);
  header.write(prefix, 345, 155);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, "0")}\0 `, 148);
  return header;
}

/** Serves the fake registry over HTTP on a loopback port, for a real `npm start` server. */
export async function serveFakeRegistry(): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer } = await import("node:http");
  const server = createServer(async (req, res) => {
    const response = await fakeRegistry(new Request(`http://${req.headers.host}${req.url}`, { method: req.method }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
