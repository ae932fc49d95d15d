/** What a build produces, and what the build stage needs from outside. */

/** One problem that stops a build, located where the bundler or our checks know it. */
export interface BuildError {
  file?: string;
  line?: number;
  column?: number;
  message: string;
}

/** Everything needed to serve a built version: the worker's code and the static assets. */
export interface BuildOutput {
  /** Absent for a static-only app (an index.html and no server entry). */
  mainModule?: string;
  modules: Record<string, string>;
  /** URL pathname → content (text, or bytes for binary files under public/). */
  assets: Record<string, string | Uint8Array>;
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** URL pathname → content hash of each asset; set once the output is stored, so a preview need not hash assets again. */
  assetHashes?: Record<string, string>;
}

export interface BuildResult {
  ok: boolean;
  errors: BuildError[];
  warnings: string[];
  durationMs: number;
  /** Present when ok. */
  output?: BuildOutput;
}

/**
 * Installed dependency trees, keyed by the dependency set (the sorted
 * `dependencies` of package.json). `get` returns the node_modules files
 * (path → text) or null when that set was never installed.
 */
export interface DependencyCache {
  get(key: string): Promise<Record<string, string> | null>;
  put(key: string, files: Record<string, string>): Promise<void>;
}

/** Pre-bundled vendor scripts (see vendor.ts), keyed by dependency set and the imports used. */
export interface VendorCache {
  get(key: string): Promise<string | null>;
  put(key: string, code: string): Promise<void>;
}
