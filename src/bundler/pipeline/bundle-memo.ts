/**
 * The last bundle of each side (browser, worker) of a project, with every
 * project file it depended on. An edit that touches none of a side's files
 * reuses that side's bundle instead of running esbuild again, so a server
 * edit re-bundles only the server and a component edit only the client.
 */
export interface SideBundle {
  /** Everything besides the files that shapes the bundle (entries, dependency set, options). */
  context: string;
  /** Project path → the content the bundle saw, or null for a path probed and absent. */
  inputs: Map<string, string | null>;
  /** Bare imports served from the vendor bundle. */
  dependencies: string[];
  /** Browser: bundle path → code, in entry order. Worker: one entry, the app module. */
  code: [string, string][];
  /** The copies of imported files the bundle points at (URL, bytes). */
  assets?: [string, Uint8Array][];
}

export interface BundleMemo {
  browser?: SideBundle;
  worker?: SideBundle;
}

/** A read function that remembers what it was asked and what it answered. */
export function recordingReader(read: (path: string) => string | null): {
  read: (path: string) => string | null;
  inputs: Map<string, string | null>;
} {
  const inputs = new Map<string, string | null>();
  return {
    inputs,
    read(path) {
      const content = read(path);
      inputs.set(path, content);
      return content;
    },
  };
}

/** The stored bundle (of a side, or a test file) if it was made in the same context from the same file contents. */
export function reusable<T extends { context: string; inputs: Map<string, string | null> }>(
  stored: T | undefined,
  context: string,
  read: (path: string) => string | null,
): T | undefined {
  if (!stored || stored.context !== context) return undefined;
  for (const [path, content] of stored.inputs) if (read(path) !== content) return undefined;
  return stored;
}
