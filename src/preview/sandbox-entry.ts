/** The modules of an app's (or a test run's) dynamic worker: its own, plus what the sandbox adds. */
export interface WorkerModules {
  mainModule: string;
  modules: Record<string, string>;
}

const ENTRY = "__sandbox_entry.js";
const HTTP_FIX = "__sandbox_node_http.js";

/**
 * workerd's `node:http` client (ClientRequest) destroys itself as soon as its
 * body is sent, and then drops the error of a fetch that failed instead of
 * emitting it: a request the sandbox blocks would hang until the runtime
 * cancels it, where `fetch` rejects at once. Keeping the request open until
 * its fetch settles makes it emit `error` with the sandbox's own message.
 * Apps without Node.js built-ins have no `node:http` (nor `process`), hence the guards.
 */
const HTTP_FIX_SOURCE = `const http = globalThis.process?.getBuiltinModule?.("node:http");
const ClientRequest = http?.ClientRequest;
if (ClientRequest) {
  const end = ClientRequest.prototype.end;
  ClientRequest.prototype.end = function (...args) {
    if (this._writableState) this._writableState.autoDestroy = false;
    return end.apply(this, args);
  };
}
`;

/**
 * Wraps a worker's entry so the sandbox's fixes load first; the entry's
 * exports (default and named: handlers, entrypoints, classes) are passed on.
 */
export function sandboxEntry(worker: WorkerModules): WorkerModules {
  const main = JSON.stringify(`./${worker.mainModule}`);
  return {
    mainModule: ENTRY,
    modules: {
      ...worker.modules,
      [HTTP_FIX]: HTTP_FIX_SOURCE,
      [ENTRY]: `import "./${HTTP_FIX}";\nexport * from ${main};\nexport { default } from ${main};\n`,
    },
  };
}
