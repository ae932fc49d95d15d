// The host Worker's bindings and variables, declared the way `wrangler types`
// writes them: an ambient file, so typing `env` imports no module (the
// classes are named through import types, which close no import cycle).

declare namespace Cloudflare {
  /**
   * Bindings and variables of the host Worker (see wrangler.toml and the
   * README's Configuration table). Every variable is optional. This also
   * types `env` from "cloudflare:workers" and the test pool's env.
   */
  interface Env {
    PROJECTS: DurableObjectNamespace<import("./index").ProjectObject>;
    /** One object per npm dependency set: installed packages and vendor bundles, shared by all projects. */
    DEPENDENCIES: DurableObjectNamespace<import("./index").DependencySetObject>;
    PROJECT_INDEX: D1Database;
    /** The apps' D1 databases, one SQLite object per project, binding and test run (src/project/app-database.ts). */
    APP_DATABASES: DurableObjectNamespace<import("./index").AppDatabase>;
    LOADER: WorkerLoader;
    /** The sandbox process of `npm start` (wrangler.toml's env.local); unbound deployed and in tests. */
    SANDBOX?: Service<import("./sandbox/host/worker").default>;
    /** The playground page's built files (playground/dist), served by src/http/playground.ts. */
    ASSETS: Fetcher;
    /** When set, every `/api/*` request needs `Authorization: Bearer <API_TOKEN>`. */
    API_TOKEN?: string;
    /** The agent's model: see `modelConfigFromEnv` in src/server-config.ts. */
    ANTHROPIC_API_KEY?: string;
    ANTHROPIC_BASE_URL?: string;
    MODEL?: string;
    /** `on`/`off`: the API's context editing (clearing old tool uses server-side); default on for Anthropic's own API. */
    ANTHROPIC_CONTEXT_MANAGEMENT?: string;
    /** Budgets per agent turn. */
    TURN_MAX_MODEL_CALLS?: string;
    TURN_MAX_OUTPUT_TOKENS?: string;
    TURN_MAX_SECONDS?: string;
    /** Milliseconds the replay model waits before each answer (demos, restart tests). */
    REPLAY_DELAY_MS?: string;
    /** Host suffix of preview origins, e.g. `preview.example.com`. */
    PREVIEW_HOST?: string;
    /** Names the API answers on besides localhost and IP addresses (DNS-rebinding guard), comma-separated. */
    API_HOSTS?: string;
    /** Origins whose pages may call the API cross-origin, comma-separated; none by default. */
    CORS_ORIGINS?: string;
    /** npm registry for project dependencies (default https://registry.npmjs.org). */
    NPM_REGISTRY?: string;
    /** Store limits; see `src/server-config.ts`. */
    MAX_FILE_BYTES?: string;
    MAX_FILES?: string;
    MAX_VERSION_BYTES?: string;
    /** Per-test timeout of project test runs in ms (default 5000). */
    TEST_TIMEOUT_MS?: string;
    EXECUTE_TIMEOUT_MS?: string;
    PREVIEW_CPU_MS?: string;
    /** Read by `npm start`'s sandbox supervisor (scripts/sandbox-supervisor.mjs), not by the Worker. */
    SANDBOX_STALL_MS?: string;
    SANDBOX_MEMORY_MB?: string;
  }

  // Types `exports` from "cloudflare:workers" (loopback bindings of our entrypoints).
  interface GlobalProps {
    mainModule: typeof import("./index");
  }
}

interface Env extends Cloudflare.Env {}
