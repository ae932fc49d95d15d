import { useEffect, useState } from "react";
import { api, type LogEntry, type Project } from "./api";

/** The project's preview logs, polled with the cursor. */
export function Logs({ project }: { project: Project }) {
  const [entries, setEntries] = useState<LogEntry[]>([]);

  useEffect(() => {
    let cursor: string | undefined;
    let live = true;
    setEntries([]);
    const poll = async () => {
      try {
        const page = await api.logs(project.id, cursor);
        cursor = page.cursor;
        if (live && page.entries.length > 0) setEntries((current) => [...current, ...page.entries].slice(-500));
      } catch {
        // The next poll tries again.
      }
    };
    void poll();
    const timer = setInterval(poll, 2000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [project.id]);

  return (
    <ol className="logs" data-testid="logs">
      {entries.length === 0 && (
        <li className="muted">No log entries yet: console output and uncaught exceptions of the previews appear here.</li>
      )}
      {entries.map((entry, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: entries are only appended in order (the oldest dropped past 500) and have no id; the same entry can repeat.
        <li key={index} className={entry.level}>
          <time>{new Date(entry.ts).toLocaleTimeString()}</time> <span>v{entry.version}</span> <code>{entry.message}</code>
        </li>
      ))}
    </ol>
  );
}
