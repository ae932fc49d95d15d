import { readProjectConfig, textFiles } from "../bundler";
import type { SandboxRuntime } from "../sandbox";
import { StoreError } from "../store";
import type { AppKvStore, KvListResult } from "./app-kv";
import type { DatabaseView, TableView } from "./app-database";
import type { ProjectBuilds } from "./project-builds";

/** What the data view lists: the app's KV and its D1 databases with their tables, by binding. */
export interface DataOverview {
  kv: { binding: string; keys: number }[];
  d1: { binding: string; tables: { name: string; rows: number }[] }[];
}

/**
 * The previews' data of a project's app, for a person to look at (GET
 * /api/projects/:id/data): never shown to the model unless it asks. The
 * bindings are those of the head version's wrangler config.
 */
export class ProjectData {
  constructor(
    private readonly options: {
      projectId: string;
      builds: ProjectBuilds;
      kv: AppKvStore;
      runtime: SandboxRuntime;
      head: () => Promise<number>;
    },
  ) {}

  async overview(): Promise<DataOverview> {
    const { kv, d1 } = await this.bindings();
    const tables = await Promise.all(d1.map(async (binding) => ({ binding, tables: tablesOf(await this.database(binding, {})) })));
    return { kv: [{ binding: kv, keys: this.options.kv.count() }], d1: tables };
  }

  kvKeys(options: { prefix?: string; cursor?: string; limit?: number }): KvListResult {
    return this.options.kv.list(options);
  }

  async table(binding: string, table: string, page: { offset?: number; limit?: number }): Promise<TableView> {
    if (!(await this.bindings()).d1.includes(binding))
      throw new StoreError("not_found", `The head version declares no D1 binding ${binding}.`);
    const view = await this.database(binding, { table, ...page });
    if (!view || !("table" in view)) throw new StoreError("not_found", `The database ${binding} has no table ${table}.`);
    return view;
  }

  private database(binding: string, query: { table?: string; offset?: number; limit?: number }) {
    return this.options.runtime.inspectDatabase(this.options.projectId, binding, query);
  }

  private async bindings(): Promise<{ kv: string; d1: string[] }> {
    const { files } = await this.options.builds.snapshot(await this.options.head());
    const text = textFiles(files);
    const { config } = readProjectConfig((path) => text.get(path) ?? null);
    return { kv: config.bindings.kv[0] ?? "KV", d1: config.bindings.d1.map((each) => each.name) };
  }
}

function tablesOf(view: DatabaseView | null): { name: string; rows: number }[] {
  return view && "tables" in view ? view.tables : [];
}
