/** What a build produces, and what the build stage needs from outside. */

/** One problem that stops a build, located where the bundler or our checks know it. */
export interface BuildError {
  file?: string;
  line?: number;
  column?: number;
  message: string;
  /** How many times the build reported this same message (here, at its first place), when more than once. */
  count?: number;
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
  /** The wrangler file's `assets.not_found_handling`, when set. */
  notFoundHandling?: "single-page-application" | "404-page" | "none";
  /** Vite's `base` ("/app/"), when not "/": the client is served under it as well as at the root. */
  base?: string;
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
  /** Set on a failure that may not recur (the registry, or the shared dependency cache, failed): such a result is not stored. */
  retry?: boolean;
}

/** The `dependencies` of a package.json, with the key that names the set (and the registry it comes from). */
export interface DependencySet {
  key: string;
  registry: string;
  dependencies: Record<string, string>;
}

/** An installed dependency set, or why it could not be installed. */
export type InstalledDependencies =
  | {
      /** node_modules files, path → text. */
      files: Record<string, string>;
      /** The packages installed for this request, when it had to wait for an install rather than reuse one. */
      installedNow?: string[];
    }
  | { failures: string[] };

/** Installs dependency sets once and shares them (see dependency-object.ts). */
export interface DependencyCache {
  install(set: DependencySet): Promise<InstalledDependencies>;
}

/** Pre-bundled vendor scripts (see vendor.ts), keyed by dependency set and the imports used. */
export interface VendorCache {
  get(dependencyKey: string, key: string): Promise<string | null>;
  put(dependencyKey: string, key: string, code: string): Promise<void>;
}
