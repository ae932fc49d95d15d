import { useEffect, useRef, useState } from "react";
import type { EditorView } from "@codemirror/view";
import { api, ApiError, type FileEntry, type Project, type Ref } from "./api";
import { createEditor, goToLine } from "./editor";

interface Props {
  project: Project;
  version: Ref | undefined;
  revision: number;
  turnRunning: boolean;
  openAt: { path: string; line?: number } | null;
  /** The jump to openAt was made: it should not happen again. */
  onOpened(): void;
  onVersion(version: number | undefined): void;
  onSelectVersion(version: Ref | undefined): void;
  onError(error: unknown): void;
}

/** The file tree of a version (or the draft) and a code view; the head's files can be edited and saved as a version. */
export function Code({ project, version, revision, turnRunning, openAt, onOpened, onVersion, onSelectVersion, onError }: Props) {
  const ref: Ref = version ?? project.head;
  const editable = ref === project.head && !turnRunning;
  const [files, setFiles] = useState<FileEntry[]>([]);
  const [path, setPath] = useState<string | null>(openAt?.path ?? null);
  const [text, setText] = useState<string | null>(null);
  const [edited, setEdited] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: revision is the reload signal: the file list is fetched again after a change though the effect does not read it.
  useEffect(() => {
    let live = true;
    api.files(project.id, ref).then(({ files }) => {
      if (!live) return;
      setFiles(files);
      setPath((current) =>
        current && files.some((f) => f.path === current)
          ? current
          : ((files.find((f) => /^src\/.*\.(ts|tsx)$/.test(f.path)) ?? files[0])?.path ?? null),
      );
    }, onError);
    return () => {
      live = false;
    };
  }, [project.id, ref, revision, onError]);

  useEffect(() => {
    if (openAt) setPath(openAt.path);
  }, [openAt]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: revision is the reload signal: the open file is fetched again after a change though the effect does not read it.
  useEffect(() => {
    if (!path) return;
    setText(null);
    setEdited(null);
    // A late answer for another file must never land in this one (and be saved under its path).
    let live = true;
    api.file(project.id, ref, path).then((content) => live && setText(content), onError);
    return () => {
      live = false;
    };
  }, [project.id, ref, path, revision, onError]);

  useEffect(() => {
    if (!host.current || text === null || !path) return;
    view.current = createEditor(host.current, path, text, !editable, setEdited);
    if (openAt?.path === path) {
      if (openAt.line) goToLine(view.current, openAt.line);
      onOpened();
    }
    return () => view.current?.destroy();
  }, [text, path, editable, openAt, onOpened]);

  async function save() {
    if (!path || edited === null) return;
    try {
      await api.commit(project.id, project.head, path, edited);
      setConflict(null);
      onVersion(undefined);
      setEdited(null);
    } catch (error) {
      if (error instanceof ApiError && (error.code === "conflict" || error.code === "turn_in_progress")) setConflict(error.message);
      else onError(error);
    }
  }

  return (
    <div className="code">
      <div className="bar">
        <label>
          Version{" "}
          <select
            value={String(version ?? "head")}
            onChange={(event) =>
              onSelectVersion(
                event.target.value === "head" ? undefined : event.target.value === "draft" ? "draft" : Number(event.target.value),
              )
            }
          >
            <option value="head">head ({project.head})</option>
            <option value="draft">draft</option>
            {Array.from({ length: project.head }, (_, i) => project.head - i).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <span>
          {editable
            ? edited !== null
              ? "edited, not saved"
              : "editable"
            : turnRunning
              ? "read-only while a turn runs"
              : "read-only (an older version)"}
        </span>
        {editable && (
          <button type="button" data-testid="save-file" disabled={edited === null} onClick={() => void save()}>
            Save as a new version
          </button>
        )}
      </div>
      {conflict && (
        <div className="banner" role="alert">
          {conflict}{" "}
          <button
            type="button"
            onClick={() => {
              setConflict(null);
              onVersion(undefined);
            }}
          >
            Reload
          </button>
        </div>
      )}
      <div className="split">
        <ul className="file-tree" data-testid="file-tree">
          {files.map((file) => (
            <li key={file.path} style={{ paddingLeft: `${file.path.split("/").length - 1}rem` }}>
              <button type="button" className={file.path === path ? "selected" : ""} title={file.path} onClick={() => setPath(file.path)}>
                {file.path.split("/").at(-1)}
                {file.path.includes("/") && <small> {file.path.slice(0, file.path.lastIndexOf("/"))}/</small>}
              </button>
            </li>
          ))}
        </ul>
        <div className="code-view" data-testid="code-view" data-path={path ?? ""} ref={host} />
      </div>
    </div>
  );
}
