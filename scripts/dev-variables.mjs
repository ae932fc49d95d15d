// The variables `npm start` hands the Worker (scripts/dev.mjs): every one the README's
// configuration table documents (PORT and HOST are the script's own), from .dev.vars and
// then from the shell, which wins.
import { parseEnv } from "node:util";

export const VARIABLES = [
  "API_TOKEN",
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_BASE_URL",
  "MODEL",
  "ANTHROPIC_CONTEXT_MANAGEMENT",
  "TURN_MAX_MODEL_CALLS",
  "TURN_MAX_OUTPUT_TOKENS",
  "TURN_MAX_SECONDS",
  "REPLAY_DELAY_MS",
  "PREVIEW_HOST",
  "API_HOSTS",
  "CORS_ORIGINS",
  "NPM_REGISTRY",
  "MAX_FILE_BYTES",
  "MAX_FILES",
  "MAX_VERSION_BYTES",
  "TEST_TIMEOUT_MS",
  "EXECUTE_TIMEOUT_MS",
  "PREVIEW_CPU_MS",
  "SANDBOX_STALL_MS",
  "SANDBOX_MEMORY_MB",
];

/** The Worker's variables from the shell's `env` and the text of `.dev.vars` ("" when there is none). */
export function workerVariables(env, devVars) {
  const values = { ...parseEnv(devVars) };
  for (const name of VARIABLES) {
    if (env[name] !== undefined && env[name] !== "") values[name] = env[name];
  }
  return values;
}
