import { useEffect, useState } from "react";
import { api, type DiffFile, type Project, type Ref, type Version } from "./api";

interface Props {
  project: Project;
  revision: number;
  turnRunning: boolean;
  onRestored(): void;
  onPreview(version: number): void;
  onError(error: unknown): void;
}

/** The versions, restore, and the diff of any two (or the draft), unified or side by side. */
export function Versions({ project, revision, turnRunning, onRestored, onPreview, onError }: Props) {
  const [versions, setVersions] = useState<Version[]>([]);
  const [from, setFrom] = useState<Ref | 0>(Math.max(0, project.head - 1));
  const [to, setTo] = useState<Ref>(project.head);
  const [layout, setLayout] = useState<"unified" | "split">("unified");
  const [diff, setDiff] = useState<DiffFile[] | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new head and revision (the reload signal) are the triggers: the list is fetched again on either though the effect reads neither.
  useEffect(() => {
    let live = true;
    api.versions(project.id).then(({ versions }) => live && setVersions(versions), onError);
    return () => {
      live = false;
    };
  }, [project.id, project.head, revision, onError]);

  // A new head (or project) shows its own change; otherwise the chosen pair stays, whatever events come.
  // biome-ignore lint/correctness/useExhaustiveDependencies: another project resets the pair too, even one whose head has the same number.
  useEffect(() => {
    setFrom(Math.max(0, project.head - 1));
    setTo(project.head);
  }, [project.id, project.head]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: revision is the reload signal: the diff is fetched again after a change (the draft's, say) though the effect does not read it.
  useEffect(() => {
    let live = true;
    api.diff(project.id, from, to).then(({ files }) => live && setDiff(files), onError);
    return () => {
      live = false;
    };
  }, [project.id, from, to, revision, onError]);

  async function restore(version: number) {
    try {
      await api.restore(project.id, version);
      onRestored();
    } catch (error) {
      onError(error);
    }
  }

  const refs: (Ref | 0)[] = ["draft", ...versions.map((v) => v.id), 0];
  const label = (ref: Ref | 0) => (ref === "draft" ? "draft" : ref === 0 ? "empty" : `v${ref}`);
  const parse = (value: string): Ref | 0 => (value === "draft" ? "draft" : Number(value));

  return (
    <div className="versions">
      <ol className="version-list" data-testid="version-list">
        {versions.map((version) => (
          <li key={version.id}>
            <strong>v{version.id}</strong> <span className={`author ${version.author}`}>{version.author}</span>{" "}
            {version.message || "(no message)"}
            <small>
              {new Date(version.createdAt).toLocaleString()} · +{version.stats.added} ~{version.stats.modified} −{version.stats.deleted}
            </small>
            <span className="actions">
              <button
                type="button"
                onClick={() => {
                  setFrom(version.parent ?? 0);
                  setTo(version.id);
                }}
              >
                Diff
              </button>
              <button type="button" onClick={() => onPreview(version.id)}>
                Preview
              </button>
              {version.id !== project.head && (
                <button type="button" disabled={turnRunning} onClick={() => void restore(version.id)}>
                  Restore
                </button>
              )}
            </span>
          </li>
        ))}
      </ol>
      <div className="bar">
        <label>
          From{" "}
          <select aria-label="Diff from" value={String(from)} onChange={(event) => setFrom(parse(event.target.value))}>
            {refs.map((ref) => (
              <option key={String(ref)} value={String(ref)}>
                {label(ref)}
              </option>
            ))}
          </select>
        </label>
        <label>
          To{" "}
          <select aria-label="Diff to" value={String(to)} onChange={(event) => setTo(parse(event.target.value) as Ref)}>
            {refs
              .filter((ref) => ref !== 0)
              .map((ref) => (
                <option key={String(ref)} value={String(ref)}>
                  {label(ref)}
                </option>
              ))}
          </select>
        </label>
        <button type="button" onClick={() => setLayout(layout === "unified" ? "split" : "unified")}>
          {layout === "unified" ? "Side by side" : "Unified"}
        </button>
      </div>
      <div className="diff-view" data-testid="diff-view">
        {diff?.length === 0 && <p>No differences.</p>}
        {diff?.map((file) => (
          <section key={file.path} className="diff-file">
            <h3>
              {file.oldPath ? `${file.oldPath} → ` : ""}
              {file.path}{" "}
              <small>
                {file.status}
                {file.binary ? ", binary" : ""} · +{file.additions} −{file.deletions}
              </small>
            </h3>
            {file.hunks.map((hunk) =>
              layout === "unified" ? (
                <Unified key={`${hunk.oldStart},${hunk.newStart}`} hunk={hunk} />
              ) : (
                <Split key={`${hunk.oldStart},${hunk.newStart}`} hunk={hunk} />
              ),
            )}
          </section>
        ))}
      </div>
    </div>
  );
}

type Hunk = DiffFile["hunks"][number];

function Unified({ hunk }: { hunk: Hunk }) {
  return (
    <pre className="hunk">
      <span className="at">{`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`}</span>
      {hunk.lines.map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one hunk, rendered whole from one answer; the same line text can repeat.
        <span key={index} className={line[0] === "+" ? "add" : line[0] === "-" ? "del" : "ctx"}>
          {line}
        </span>
      ))}
    </pre>
  );
}

/** Old lines on the left, new on the right; changed runs side by side, padded to the same height. */
function Split({ hunk }: { hunk: Hunk }) {
  const rows: [string | null, string | null][] = [];
  for (let i = 0; i < hunk.lines.length; ) {
    if (hunk.lines[i]![0] === " ") {
      rows.push([hunk.lines[i]!.slice(1), hunk.lines[i]!.slice(1)]);
      i++;
      continue;
    }
    const removed: string[] = [];
    const added: string[] = [];
    while (i < hunk.lines.length && hunk.lines[i]![0] === "-") removed.push(hunk.lines[i++]!.slice(1));
    while (i < hunk.lines.length && hunk.lines[i]![0] === "+") added.push(hunk.lines[i++]!.slice(1));
    for (let k = 0; k < Math.max(removed.length, added.length); k++) rows.push([removed[k] ?? null, added[k] ?? null]);
  }
  return (
    <table className="hunk split-hunk">
      <tbody>
        {rows.map(([left, right], index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the rows of one hunk, derived whole from its lines; the same row can repeat.
          <tr key={index}>
            <td className={left === null ? "pad" : left === right ? "ctx" : "del"}>{left}</td>
            <td className={right === null ? "pad" : left === right ? "ctx" : "add"}>{right}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
