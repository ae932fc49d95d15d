import type { BuildError } from "../../src/bundler";
import type { TurnHost } from "../turn-host";

export interface BuildAndTestResult {
  ok: boolean;
  build: { ok: boolean; errors: BuildError[] };
  tests: { passed: number; failed: number; failures: { name: string; error: string }[] };
  previewUrl?: string;
}

/**
 * Builds the draft, boots it and runs its tests, reporting each stage as an
 * event of the turn. Located build errors and failing assertions (with
 * expected/received and where) go back to the model as they are.
 */
export async function buildAndTest(host: TurnHost, turnId: string, previewUrl: string | null): Promise<BuildAndTestResult> {
  const log = host.turns.log;
  const build = await host.buildDraft();
  log.append(turnId, "build.finished", { ok: build.ok, errors: build.errors, durationMs: build.durationMs });
  if (!build.ok) return { ok: false, build: { ok: false, errors: build.errors }, tests: { passed: 0, failed: 0, failures: [] } };
  const run = await host.testDraft();
  const failures = run.results.filter((result) => !result.ok).map((result) => ({ name: result.name, error: result.error ?? "failed" }));
  if (run.buildErrors) failures.push(...run.buildErrors.map((error) => ({ name: error.file ?? "(tests)", error: error.message })));
  log.append(turnId, "test.finished", { passed: run.passed, failed: run.failed, failures });
  // The turn's preview URL carries no access token (TurnState): the model, its provider and the event stream read it.
  if (previewUrl) log.append(turnId, "preview.ready", { url: previewUrl });
  return {
    ok: run.ok,
    build: { ok: true, errors: [] },
    tests: { passed: run.passed, failed: run.failed, failures },
    ...(previewUrl ? { previewUrl } : {}),
  };
}

/** A build failure's identity, for the stuck rule (the same errors three builds in a row). */
export function failureSignature(result: BuildAndTestResult): string | null {
  if (result.build.ok) return null;
  return JSON.stringify(result.build.errors.map((error) => [error.file, error.line, error.column, error.message]));
}
