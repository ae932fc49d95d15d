import type { EgressPolicy } from "../preview/egress-policy";
import { StoreError } from "../store";

/** Settings as the API shows them: secret values never leave the server. */
export interface PublicSettings {
  allowedHosts: string[];
  secrets: { host: string; header: string }[];
}

const HOSTNAME = /^(?:\*\.)?(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const HEADER = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A project's sandbox settings in its SQLite database (one row). */
export class ProjectSettings {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS settings (id INTEGER PRIMARY KEY CHECK (id = 1), policy TEXT NOT NULL)");
  }

  policy(): EgressPolicy {
    const row = this.sql.exec<{ policy: string }>("SELECT policy FROM settings WHERE id = 1").toArray()[0];
    return row ? (JSON.parse(row.policy) as EgressPolicy) : { allowedHosts: [], secrets: [] };
  }

  view(): PublicSettings {
    const { allowedHosts, secrets } = this.policy();
    return { allowedHosts, secrets: secrets.map(({ host, header }) => ({ host, header })) };
  }

  /** Replaces the settings; throws `invalid_request` naming the first bad entry. */
  replace(policy: EgressPolicy): PublicSettings {
    const allowedHosts = [...new Set(policy.allowedHosts.map((host) => host.trim().toLowerCase()))];
    for (const host of allowedHosts) {
      if (!HOSTNAME.test(host)) throw invalid(`"${host}" is not a hostname (like api.example.com or *.example.com).`);
    }
    const secrets = policy.secrets.map((secret) => ({ ...secret, host: secret.host.trim().toLowerCase() }));
    for (const secret of secrets) {
      if (!HEADER.test(secret.header)) throw invalid(`"${secret.header}" is not a valid header name.`);
      if (!allowedHosts.includes(secret.host)) {
        throw invalid(`A secret is set for ${secret.host}, which is not in allowedHosts; add it there first.`);
      }
    }
    this.sql.exec(
      "INSERT OR REPLACE INTO settings (id, policy) VALUES (1, ?)",
      JSON.stringify({ allowedHosts, secrets } satisfies EgressPolicy),
    );
    return this.view();
  }
}

function invalid(message: string): StoreError {
  return new StoreError("invalid_settings", message);
}
