import { useState } from "react";
import { api, type Project, type TestRun } from "./api";

/** Runs the project's tests (POST /test) against head; each failure links to where it failed. */
export function Tests({
  project,
  onOpen,
  onError,
}: {
  project: Project;
  onOpen(at: { path: string; line?: number }): void;
  onError(error: unknown): void;
}) {
  const [run, setRun] = useState<TestRun | null>(null);
  const [running, setRunning] = useState(false);

  async function start() {
    setRunning(true);
    try {
      setRun(await api.test(project.id));
    } catch (error) {
      onError(error);
    } finally {
      setRunning(false);
    }
  }

  return (
    <div className="tests" data-testid="tests">
      <div className="bar">
        <button type="button" data-testid="run-tests" disabled={running} onClick={() => void start()}>
          {running ? "Running…" : `Run the tests of version ${project.head}`}
        </button>
        {run && (
          <span className={run.ok ? "ok" : "failed"}>
            {run.passed} passed, {run.failed} failed, {run.skipped} skipped · {Math.round(run.durationMs)} ms
          </span>
        )}
      </div>
      {run?.buildErrors && (
        <ul className="errors">
          {run.buildErrors.map((error, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the build errors of one run, replaced whole; they have no id and two may share file, line and message.
            <li key={index}>
              <pre>{`${error.file ?? ""}${error.line ? `:${error.line}` : ""} ${error.message}`}</pre>
            </li>
          ))}
        </ul>
      )}
      <ul className="results">
        {run?.results.map((result, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the results of one run, replaced whole; file and name need not be unique (vitest allows two tests of the same name, test.each repeats one).
          <li key={index} className={result.ok ? "ok" : "failed"}>
            {result.ok ? "✓" : "✗"} {result.name}
            {result.location && (
              <button type="button" onClick={() => onOpen({ path: result.location!.file, line: result.location!.line })}>
                {result.location.file}:{result.location.line}
              </button>
            )}
            {result.error && <pre>{result.error}</pre>}
          </li>
        ))}
      </ul>
    </div>
  );
}
