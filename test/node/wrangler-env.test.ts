import { readFileSync } from "node:fs";
import { parse } from "smol-toml";
import { expect, it } from "vitest";

// wrangler does not inherit bindings into an environment, so `npm start`'s env.local repeats
// them: it must have every top-level binding as it is, plus the sandbox process's service.
it("wrangler.toml's env.local has the top-level bindings and the sandbox service", () => {
  const config = parse(readFileSync("wrangler.toml", "utf8")) as Record<string, unknown> & { env: { local: Record<string, unknown> } };
  const local = config.env.local;
  expect(local.name).toBe(config.name);
  for (const key of ["durable_objects", "d1_databases", "worker_loaders", "kv_namespaces", "r2_buckets", "queues", "vars"]) {
    expect(local[key], key).toEqual(config[key]);
  }
  expect(config.services).toBeUndefined();
  expect(local.services).toEqual([{ binding: "SANDBOX", service: "forge-sandbox" }]);
});
