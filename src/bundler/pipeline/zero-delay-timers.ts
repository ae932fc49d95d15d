/**
 * esbuild-wasm, run without a worker thread (as in a Worker), hands every
 * message to its Go side with `setTimeout(callback)` and no delay. workerd
 * runs such a timer about 1.2 ms later, where an explicit 0 runs at once
 * (measured on the pinned runtime; a build sends 25–30 messages). A missing
 * delay means 0 by the HTML spec, so giving it changes nothing else; this
 * applies to the host Worker's isolate, where builds run.
 */
const setTimeoutAsGiven = globalThis.setTimeout;

globalThis.setTimeout = ((handler: (...args: unknown[]) => void, timeout?: number, ...args: unknown[]) =>
  setTimeoutAsGiven(handler, timeout ?? 0, ...args)) as typeof setTimeout;
