import type { DependencySetObject } from "./dependency-object";
import type { DependencyCache, VendorCache } from "../interface";
import { gunzip } from "../results/serialize";

/**
 * Decoded dependency sets and vendor bundles, kept by this isolate for every
 * project it hosts: consecutive builds (of one project or of many from the
 * same starter) unpack each once. Few are kept; they are large.
 */
const decodedSets = new Map<string, Promise<Record<string, string>>>();
const decodedVendors = new Map<string, string>();
const SETS_KEPT = 3;
const VENDORS_KEPT = 8;

/** The dependency and vendor caches of the build stage, backed by one shared object per dependency set. */
export function sharedDependencies(namespace: DurableObjectNamespace<DependencySetObject>): {
  dependencies: DependencyCache;
  vendors: VendorCache;
} {
  const object = (dependencyKey: string) => namespace.get(namespace.idFromName(dependencyKey));
  return {
    dependencies: {
      async install(set) {
        const known = decodedSets.get(set.key);
        if (known) return { files: await known };
        const answer = await object(set.key).install(set);
        if ("failures" in answer) return { failures: answer.failures };
        let files = decodedSets.get(set.key);
        if (!files) {
          files = remember(decodedSets, set.key, unpack(answer.packed), SETS_KEPT);
          files.catch(() => decodedSets.delete(set.key));
        }
        return { files: await files, ...(answer.installed ? { installedNow: answer.installed } : {}) };
      },
    },
    vendors: {
      async get(dependencyKey, key) {
        const known = decodedVendors.get(key);
        if (known !== undefined) return known;
        const packed = await object(dependencyKey).vendor(key);
        return packed === null ? null : remember(decodedVendors, key, await gunzip(packed), VENDORS_KEPT);
      },
      async put(dependencyKey, key, code) {
        await object(dependencyKey).putVendor(key, code);
        remember(decodedVendors, key, code, VENDORS_KEPT);
      },
    },
  };
}

async function unpack(packed: Uint8Array): Promise<Record<string, string>> {
  return JSON.parse(await gunzip(packed)) as Record<string, string>;
}

/** Keeps `value` as the most recently used entry of `map`, dropping the oldest beyond `kept`. */
function remember<T>(map: Map<string, T>, key: string, value: T, kept: number): T {
  map.delete(key);
  map.set(key, value);
  if (map.size > kept) map.delete(map.keys().next().value!);
  return value;
}
