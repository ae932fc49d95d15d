import { sharedDependencies } from "../bundler";
import { sandboxRuntime } from "../sandbox";
import { previewCpuMsFromEnv, testTimeoutFromEnv } from "../server-config";
import type { SqlStore } from "../store";
import { AppKvStore } from "./app-kv";
import { ProjectData } from "./project-data";
import { ProjectBuilds } from "./project-builds";
import { ProjectLogs } from "./project-logs";
import { ProjectSettings } from "./project-settings";
import { ProjectTests } from "./project-tests";
import { ProjectTurns } from "./project-turns";
import { Timers } from "./timers";
import { TurnLog } from "./turn-log";

/** CPU time of a test run's sandbox where the runtime enforces it (deployed): stops a test stuck in a loop. */
const TEST_RUN_CPU_MS = 30_000;

/** Everything a project holds besides its identity, each part on the object's SQLite database. */
export interface Parts {
  store: SqlStore;
  turns: ProjectTurns;
  builds: ProjectBuilds;
  tests: ProjectTests;
  settings: ProjectSettings;
  kv: AppKvStore;
  data: ProjectData;
  logs: ProjectLogs;
  timers: Timers;
}

/**
 * Builds a project's parts. Its app's dynamic workers run in the sandbox
 * runtime under grants that name the project, so they reach only its own KV,
 * logs and egress policy (entrypoints.ts).
 */
export function createParts(storage: DurableObjectStorage, env: Env, projectId: string, store: SqlStore): Parts {
  const sql = storage.sql;
  const settings = new ProjectSettings(sql);
  const previewCpuMs = previewCpuMsFromEnv(env);
  const runtime = sandboxRuntime(env);
  const logs = new ProjectLogs(sql);
  const builds = new ProjectBuilds(storage, store, {
    projectId,
    registry: env.NPM_REGISTRY || "https://registry.npmjs.org",
    shared: sharedDependencies(env.DEPENDENCIES),
    runtime,
    grant: () => ({ projectId, kv: true, egress: true, tail: true, cpuMs: previewCpuMs }),
    failed: ({ message, version, url }) => logs.append([{ ts: Date.now(), version, level: "error", message, url }]),
  });
  const tests = new ProjectTests(sql, builds, {
    projectId,
    runtime,
    testTimeoutMs: testTimeoutFromEnv(env),
    networkPolicy: () => settings.policy(),
    grant: (testRun) => ({ projectId, testRun, kv: true, egress: true, tail: false, cpuMs: TEST_RUN_CPU_MS }),
    dropDatabase: (testRun, binding) => runtime.dropDatabase(projectId, testRun, binding),
  });
  const turns = new ProjectTurns(new TurnLog(sql), store);
  const kv = new AppKvStore(sql);
  const data = new ProjectData({ projectId, builds, kv, runtime, head: () => store.head() });
  return { store, turns, builds, tests, settings, kv, data, logs, timers: new Timers(storage) };
}
