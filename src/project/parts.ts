import { exports } from "cloudflare:workers";
import { sharedDependencies } from "../bundler";
import { previewCpuMsFromEnv, testTimeoutFromEnv } from "../server-config";
import type { SqlStore } from "../store";
import { AppKvStore } from "./app-kv";
import { ProjectBuilds } from "./project-builds";
import { ProjectLogs } from "./project-logs";
import { ProjectSettings } from "./project-settings";
import { ProjectTests } from "./project-tests";
import { ProjectTurns } from "./project-turns";
import { Timers } from "./timers";
import { TurnLog } from "./turn-log";

/** Everything a project holds besides its identity, each part on the object's SQLite database. */
export interface Parts {
  store: SqlStore;
  turns: ProjectTurns;
  builds: ProjectBuilds;
  tests: ProjectTests;
  settings: ProjectSettings;
  kv: AppKvStore;
  logs: ProjectLogs;
  timers: Timers;
}

/**
 * Builds a project's parts. Its app's dynamic workers get loopback bindings
 * (entrypoints.ts) whose props name the project, so they reach only its own
 * KV, logs and egress policy.
 */
export function createParts(storage: DurableObjectStorage, env: Env, projectId: string, store: SqlStore): Parts {
  const sql = storage.sql;
  const settings = new ProjectSettings(sql);
  const previewCpuMs = previewCpuMsFromEnv(env);
  const builds = new ProjectBuilds(storage, store, {
    projectId,
    registry: env.NPM_REGISTRY || "https://registry.npmjs.org",
    shared: sharedDependencies(env.DEPENDENCIES),
    loader: env.LOADER,
    sandbox: () => {
      const props = { props: { projectId } };
      return {
        env: { KV: exports.AppKV(props) },
        globalOutbound: exports.AppEgress(props),
        tails: [exports.AppTail(props)],
        limits: { cpuMs: previewCpuMs },
      };
    },
  });
  const tests = new ProjectTests(sql, builds, {
    projectId,
    loader: env.LOADER,
    testTimeoutMs: testTimeoutFromEnv(env),
    networkPolicy: () => settings.policy(),
    sandbox: (testRun) => {
      const props = { props: { projectId, testRun } };
      return { env: { KV: exports.AppKV(props) }, globalOutbound: exports.AppEgress(props) };
    },
  });
  const turns = new ProjectTurns(new TurnLog(sql), store);
  return { store, turns, builds, tests, settings, kv: new AppKvStore(sql), logs: new ProjectLogs(sql), timers: new Timers(storage) };
}
