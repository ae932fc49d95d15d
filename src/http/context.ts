import type { Env } from "../env";

/** The Hono environment of every route. */
export type AppEnv = { Bindings: Env };
