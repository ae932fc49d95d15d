/** A port on 127.0.0.1 that was free a moment ago, below the ephemeral range, never the same twice in a process. */
export function freePort(): Promise<number>;
