import { useCallback, useEffect, useState } from "react";
import { api, ApiError, token, type Project, type ProjectSummary, type ServerInfo } from "./api";
import { Chat } from "./chat";
import { Code } from "./code";
import { Logs } from "./logs";
import { Data } from "./data";
import { Preview } from "./preview";
import { Tests } from "./tests";
import { TABS, useView, type Tab } from "./url-state";
import { Versions } from "./versions";

const TAB_LABELS: Record<Tab, string> = {
  preview: "Preview",
  code: "Code",
  versions: "Versions",
  tests: "Tests",
  logs: "Logs",
  data: "Data",
};

/** The playground: every panel is a client of the public API. */
export function App() {
  const [view, setView] = useView();
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [projects, setProjects] = useState<ProjectSummary[]>([]);
  const [project, setProject] = useState<Project | null>(null);
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [needsToken, setNeedsToken] = useState(false);
  const [revision, setRevision] = useState(0);
  const [turnRunning, setTurnRunning] = useState(false);
  const [openAt, setOpenAt] = useState<{ path: string; line?: number } | null>(null);
  const [tokenRefused, setTokenRefused] = useState(false);
  const opened = useCallback(() => setOpenAt(null), []);

  const fail = useCallback((error: unknown) => {
    if (error instanceof ApiError && error.status === 401) {
      setTokenRefused(token.get() !== null);
      token.clear();
      setNeedsToken(true);
    } else setProblem(error instanceof ApiError ? error : new ApiError(0, "error", String(error)));
  }, []);

  const refresh = useCallback(async () => {
    try {
      setInfo(await api.info());
      setProjects((await api.projects()).projects);
      setProblem(null);
    } catch (error) {
      fail(error);
    }
  }, [fail]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: revision is the reload signal (changed() bumps it), so the effect must re-run on it though it does not read it.
  useEffect(() => {
    void refresh();
  }, [refresh, revision]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: revision is the reload signal (changed() bumps it): the open project is fetched again on it though the effect does not read it.
  useEffect(() => {
    if (!view.project) {
      setProject(null);
      return;
    }
    let live = true;
    api.project(view.project).then((loaded) => {
      if (!live) return;
      setProject(loaded);
      setTurnRunning(loaded.turn?.status === "running");
    }, fail);
    return () => {
      live = false;
    };
  }, [view.project, revision, fail]);

  /** Something changed the project (a commit, a restore, a turn's version): everything reloads. */
  const changed = useCallback(() => setRevision((r) => r + 1), []);

  async function create(kind: string) {
    try {
      const created = await api.create(`Project ${projects.length + 1}`, kind === "empty" ? {} : undefined);
      setView({ project: created.id, version: undefined, tab: "preview" });
      changed();
    } catch (error) {
      fail(error);
    }
  }

  async function remove() {
    if (!project || !confirm(`Delete ${project.name} (${project.id}) and all its versions?`)) return;
    try {
      await api.remove(project.id);
      setView({ project: undefined, version: undefined });
      changed();
    } catch (error) {
      fail(error);
    }
  }

  if (needsToken) {
    return (
      <form
        className="token"
        onSubmit={(event) => {
          event.preventDefault();
          token.set(new FormData(event.currentTarget).get("token") as string);
          setNeedsToken(false);
          changed();
        }}
      >
        <h1>Forge playground</h1>
        <p>
          This server has <code>API_TOKEN</code> set. Enter it once; it is kept in this tab only (sessionStorage).
        </p>
        {tokenRefused && <p role="alert">That token was refused; check it and try again.</p>}
        {/* biome-ignore lint/a11y/noAutofocus: this prompt is all the page shows when the server wants a token, and its one field is what the user must type into next. */}
        <input name="token" type="password" aria-label="API token" autoFocus />
        <button type="submit">Continue</button>
      </form>
    );
  }

  return (
    <div className="app">
      <div className="top">
        <header>
          <h1>Forge playground</h1>
          <ModelStatus info={info} />
          <div className="spacer" />
          <select aria-label="Start from" id="new-kind" defaultValue="starter">
            <option value="starter">Starter app</option>
            <option value="empty">Empty project</option>
          </select>
          <button
            type="button"
            data-testid="new-project"
            onClick={() => create((document.getElementById("new-kind") as HTMLSelectElement).value)}
          >
            New project
          </button>
          {project && (
            <button type="button" className="danger" onClick={remove}>
              Delete
            </button>
          )}
        </header>
        {problem && (
          <div className="banner" role="alert">
            {problem.message}{" "}
            <button
              type="button"
              onClick={() => {
                setProblem(null);
                changed();
              }}
            >
              Retry
            </button>
          </div>
        )}
      </div>
      <nav>
        <ul data-testid="project-list">
          {projects.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                className={item.id === view.project ? "selected" : ""}
                onClick={() => setView({ project: item.id, version: undefined })}
              >
                <strong>{item.name}</strong>
                <small>
                  {item.id} · v{item.head}
                </small>
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {project ? (
        <>
          <Chat key={project.id} project={project} info={info} onVersion={changed} onRunning={setTurnRunning} onError={fail} />
          <section className="workspace">
            <div className="tabs" role="tablist">
              {TABS.map((tab) => (
                <button type="button" key={tab} role="tab" aria-selected={view.tab === tab} onClick={() => setView({ tab })}>
                  {TAB_LABELS[tab]}
                </button>
              ))}
            </div>
            {view.tab === "preview" && (
              <Preview
                project={project}
                version={view.version}
                revision={revision}
                turnRunning={turnRunning}
                onOpen={({ version, ...at }) => {
                  setOpenAt(at);
                  setView({ tab: "code", version });
                }}
              />
            )}
            {view.tab === "code" && (
              <Code
                project={project}
                version={view.version}
                revision={revision}
                turnRunning={turnRunning}
                openAt={openAt}
                onOpened={opened}
                onVersion={(version) => {
                  setView({ version });
                  changed();
                }}
                onSelectVersion={(version) => setView({ version })}
                onError={fail}
              />
            )}
            {view.tab === "versions" && (
              <Versions
                project={project}
                revision={revision}
                turnRunning={turnRunning}
                onRestored={changed}
                onPreview={(version) => setView({ version, tab: "preview" })}
                onError={fail}
              />
            )}
            {view.tab === "tests" && (
              <Tests
                key={project.id}
                project={project}
                onOpen={(at) => {
                  setOpenAt(at);
                  setView({ tab: "code", version: undefined });
                }}
                onError={fail}
              />
            )}
            {view.tab === "logs" && <Logs project={project} />}
            {view.tab === "data" && <Data project={project} />}
          </section>
        </>
      ) : (
        <main className="empty">
          <p>Create a project, or pick one on the left.</p>
        </main>
      )}
    </div>
  );
}

function ModelStatus({ info }: { info: ServerInfo | null }) {
  if (!info) return null;
  if (info.model) return <span className="model">model: {info.model}</span>;
  return (
    <span className="model warn" data-testid="model-missing">
      No model configured: set <code>ANTHROPIC_API_KEY</code> (optionally <code>ANTHROPIC_BASE_URL</code>, <code>MODEL</code>), or run{" "}
      <code>MODEL=replay npm start</code> to try the offline replay model.
    </span>
  );
}
