import { useEffect, useRef, useState } from "react";
import { api, previewOf, type BuildError, type Project, type Ref } from "./api";

interface Props {
  project: Project;
  version: Ref | undefined;
  revision: number;
  turnRunning: boolean;
  onOpen(at: { path: string; line?: number; version?: Ref }): void;
}

/** The selected version (the draft while a turn runs, else head) at its own preview origin. */
export function Preview({ project, version, revision, turnRunning, onOpen }: Props) {
  const ref: Ref | "head" = version ?? (turnRunning ? "draft" : "head");
  const url = previewOf(project, ref);
  const [errors, setErrors] = useState<BuildError[]>([]);
  // The page shown changes (another version, a reload after a turn's step) only once the current one has loaded,
  // so a burst of changes never cuts a load short.
  const wanted = `${url}#${revision}`;
  const latest = useRef(wanted);
  const loading = useRef(true);
  const [shown, setShown] = useState(wanted);
  latest.current = wanted;
  useEffect(() => {
    if (!loading.current && shown !== wanted) {
      loading.current = true;
      setShown(wanted);
    }
  }, [wanted, shown]);
  const loaded = () => {
    loading.current = false;
    if (latest.current !== shown) {
      loading.current = true;
      setShown(latest.current);
    }
  };

  // A failed build shows its located errors here too, each opening the file at its line.
  // biome-ignore lint/correctness/useExhaustiveDependencies: revision is the reload signal: the build is asked again after a change (the draft's, say) though the effect does not read it.
  useEffect(() => {
    let live = true;
    api.build(project.id, ref === "head" ? project.head : ref).then(
      (build) => live && setErrors(build.ok ? [] : build.errors),
      () => live && setErrors([]),
    );
    return () => {
      live = false;
    };
  }, [project.id, project.head, ref, revision]);

  return (
    <div className="preview">
      <div className="bar">
        <span>
          {ref === "head" ? `head (version ${project.head})` : ref === "draft" ? "draft (the turn's working tree)" : `version ${ref}`}
        </span>
        <a href={url} target="_blank" rel="noreferrer">
          Open in a new tab
        </a>
      </div>
      {errors.length > 0 && (
        <ul className="errors">
          {errors.map((error, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the errors of one build, replaced whole; they have no id and two may share file, line and message.
            <li key={index}>
              {error.file ? (
                <button
                  type="button"
                  onClick={() =>
                    onOpen({ path: error.file!, ...(error.line ? { line: error.line } : {}), ...(ref !== "head" ? { version: ref } : {}) })
                  }
                >
                  {error.file}
                  {error.line ? `:${error.line}:${error.column ?? 1}` : ""}
                </button>
              ) : null}{" "}
              <pre>{error.message}</pre>
            </li>
          ))}
        </ul>
      )}
      {/* The app is model-written code: it may run scripts in its own origin, never navigate this page. */}
      <iframe
        data-testid="preview-frame"
        key={shown}
        src={shown.split("#")[0]}
        title="Preview"
        onLoad={loaded}
        sandbox="allow-scripts allow-same-origin allow-forms allow-popups allow-modals allow-downloads"
      />
    </div>
  );
}
