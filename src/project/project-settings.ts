import { reservedHostReason, type EgressPolicy, type OwnHosts } from "../preview";
import { ProjectError } from "./project-errors";

/** Settings as the API shows them: secret values never leave the server. */
export interface PublicSettings {
  allowedHosts: string[];
  secrets: { host: string; header: string }[];
}

const HOSTNAME = /^(?:\*\.)?(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 9110 field value: visible Latin-1 characters, spaces and tabs inside; no CR, LF, NUL or other controls. */
const HEADER_VALUE = /^[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?$/;
/** Headers that frame or route the request: a secret there would break every request to its host. */
const RESERVED_HEADERS = [
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "proxy-connection",
];

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

  /**
   * Replaces the settings; throws `invalid_settings` naming the first bad
   * entry: a host that is not a hostname or that no app may reach (`own`
   * names the server's own hosts), a header that is not a valid header line.
   */
  replace(policy: EgressPolicy, own: OwnHosts): PublicSettings {
    const allowedHosts = [...new Set(policy.allowedHosts.map((host) => host.trim().toLowerCase().replace(/\.$/, "")))];
    for (const host of allowedHosts) {
      if (!HOSTNAME.test(host)) throw invalid(`"${host}" is not a hostname (like api.example.com or *.example.com).`);
      const reserved = reservedHostReason(host, own);
      if (reserved) throw invalid(`"${host}" cannot be allowed: ${reserved}. Apps may only reach the public internet.`);
    }
    const secrets = policy.secrets.map((secret) => ({ ...secret, host: secret.host.trim().toLowerCase().replace(/\.$/, "") }));
    const seen = new Set<string>();
    for (const secret of secrets) {
      if (!HEADER_NAME.test(secret.header)) throw invalid(`"${secret.header}" is not a valid header name.`);
      if (RESERVED_HEADERS.includes(secret.header.toLowerCase())) {
        throw invalid(`${secret.header} cannot carry a secret: it frames or routes the request.`);
      }
      if (!HEADER_VALUE.test(secret.value)) {
        throw invalid(
          `The value of the ${secret.header} secret for ${secret.host} is not a valid header value: it must be non-empty, without line breaks, NUL or other control characters, without spaces at either end, and Latin-1 only.`,
        );
      }
      if (!allowedHosts.includes(secret.host)) {
        throw invalid(`A secret is set for ${secret.host}, which is not in allowedHosts; add it there first.`);
      }
      const key = `${secret.host} ${secret.header.toLowerCase()}`;
      if (seen.has(key)) throw invalid(`Two secrets set ${secret.header} for ${secret.host}; keep one.`);
      seen.add(key);
    }
    this.sql.exec(
      "INSERT OR REPLACE INTO settings (id, policy) VALUES (1, ?)",
      JSON.stringify({ allowedHosts, secrets } satisfies EgressPolicy),
    );
    return this.view();
  }
}

function invalid(message: string): ProjectError {
  return new ProjectError("invalid_settings", message);
}
