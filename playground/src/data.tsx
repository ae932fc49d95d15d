import { useEffect, useState } from "react";
import { api, type DataKeys, type DataOverview, type DataTable, type Project } from "./api";

/** The app's preview data by binding: its KV keys and its D1 tables, read page by page (GET /data). */
export function Data({ project }: { project: Project }) {
  const [overview, setOverview] = useState<DataOverview | null>(null);
  const [keys, setKeys] = useState<DataKeys | null>(null);
  const [table, setTable] = useState<{ binding: string; view: DataTable } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const show = (binding: string, name: string, offset: number) =>
    api.dataTable(project.id, binding, name, offset).then(
      (view) => setTable({ binding, view }),
      (failure: Error) => setError(failure.message),
    );

  // biome-ignore lint/correctness/useExhaustiveDependencies: the data of another project (or a new head) is read afresh.
  useEffect(() => {
    setOverview(null);
    setKeys(null);
    setTable(null);
    api.data(project.id).then(setOverview, (failure: Error) => setError(failure.message));
    api.dataKeys(project.id).then(setKeys, () => {});
  }, [project.id, project.head]);

  if (error) return <p className="error">{error}</p>;
  if (!overview) return <p className="muted">Reading the data…</p>;
  return (
    <div className="data" data-testid="data">
      {overview.kv.map(({ binding, keys: count }) => (
        <section key={binding}>
          <h3>
            KV <code>env.{binding}</code> <span className="muted">{count} keys</span>
          </h3>
          <ul>
            {keys?.keys.map((key) => (
              <li key={key.name}>
                <code>{key.name}</code>
              </li>
            ))}
          </ul>
          {keys && !keys.list_complete && (
            <button type="button" onClick={() => api.dataKeys(project.id, keys.cursor).then(setKeys)}>
              Next keys
            </button>
          )}
        </section>
      ))}
      {overview.d1.map(({ binding, tables }) => (
        <section key={binding}>
          <h3>
            D1 <code>env.{binding}</code>
          </h3>
          {tables.length === 0 && <p className="muted">No tables yet.</p>}
          <ul>
            {tables.map(({ name, rows }) => (
              <li key={name}>
                <button type="button" onClick={() => show(binding, name, 0)}>
                  {name}
                </button>{" "}
                <span className="muted">{rows} rows</span>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {overview.d1.length === 0 && <p className="muted">No D1 databases: declare d1_databases in the wrangler config.</p>}
      {table && (
        <section>
          <h3>
            {table.binding}.{table.view.table}{" "}
            <span className="muted">
              rows {table.view.total === 0 ? 0 : table.view.offset + 1}–{table.view.offset + table.view.rows.length} of {table.view.total}
            </span>
          </h3>
          <table data-testid="data-table">
            <thead>
              <tr>
                {table.view.columns.map((column) => (
                  <th key={column}>{column}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.view.rows.map((row, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a page of rows in the order read; rows have no id of their own.
                <tr key={index}>
                  {row.map((value, column) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: cells in column order.
                    <td key={column}>
                      {typeof value === "object" && value !== null ? `(blob, ${(value as { blob: number }).blob} bytes)` : String(value)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {table.view.offset + table.view.rows.length < table.view.total && (
            <button type="button" onClick={() => show(table.binding, table.view.table, table.view.offset + table.view.rows.length)}>
              Next rows
            </button>
          )}
        </section>
      )}
    </div>
  );
}
