import { inProcessSandbox } from "./in-process";
import { RemoteSandbox } from "./remote";
import type { SandboxRuntime } from "./runtime";

export {
  codemodeLoader,
  SandboxStopped,
  VERSION_CF_FIELD,
  type SandboxCode,
  type SandboxGrant,
  type SandboxProps,
  type SandboxRuntime,
  type SandboxWorker,
} from "./runtime";
export { SandboxGateway } from "./gateway";

/** One per isolate: it keeps which calls are under way and which workers keep being stopped. */
let remote: RemoteSandbox | undefined;

/** The sandbox process when one is bound (`npm start`), else this process's Worker Loader (deployed, tests). */
export function sandboxRuntime(env: Env): SandboxRuntime {
  if (!env.SANDBOX) return inProcessSandbox(env.LOADER, env.APP_DATABASES);
  remote ??= new RemoteSandbox(env.SANDBOX);
  return remote;
}
