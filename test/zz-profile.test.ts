import { it } from "vitest";
import { buildProject, type DependencyCache, type VendorCache } from "../src/build";
import { REFERENCE_APP } from "./bench/reference-app";
const enc = new TextEncoder();
it("profile", async () => {
  const deps = new Map<string, Record<string, string>>(); const vendors = new Map<string, string>();
  const d: DependencyCache = { get: async (k) => deps.get(k) ?? null, put: async (k, f) => void deps.set(k, f) };
  const v: VendorCache = { get: async (k) => vendors.get(k) ?? null, put: async (k, c) => void vendors.set(k, c) };
  for (let i = 0; i < 6; i++) {
    const files = new Map(Object.entries({ ...REFERENCE_APP, "src/App.tsx": REFERENCE_APP["src/App.tsx"]!.replace("client 0", `client ${i}`) }).map(([p, c]) => [p, enc.encode(c)]));
    const t = Date.now();
    const r = await buildProject({ files, dependencies: d, vendors: v, registry: "https://registry.npmjs.org" });
    console.log("TOTAL", i, Date.now() - t, r.ok);
  }
});
