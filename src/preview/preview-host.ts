import { apiAnswersOn, type OwnHosts } from "./reserved-hosts";

/** Which preview a request is for, from its Host. */
export interface PreviewTarget {
  projectId: string;
  /** `head` follows the newest version; a number pins one; `draft` is the working tree. */
  ref: "head" | "draft" | number;
}

const LABEL = /^([a-z0-9](?:[a-z0-9]|-(?!-)){0,30}[a-z0-9])(?:--(v[1-9]\d{0,14}|draft))?$/;

/**
 * Parses `<id>.<suffix>`, `<id>--v<N>.<suffix>` or `<id>--draft.<suffix>`.
 * `suffix` is PREVIEW_HOST (e.g. `preview.example.com`), or by default
 * `preview.<a name the API answers on>`: `preview.localhost:8787`, or
 * `preview.<name>` for a name in API_HOSTS. Never `preview.<any name>`: a
 * hostile name resolving to this machine (DNS rebinding) must not reach a
 * preview. Returns null for any other host, which the API then serves (or refuses).
 */
export function parsePreviewHost(host: string, own: OwnHosts): PreviewTarget | null {
  const lower = host.toLowerCase();
  const dot = lower.indexOf(".");
  if (dot < 0) return null;
  if (!underOwnSuffix(lower.slice(dot + 1), own)) return null;
  const match = LABEL.exec(lower.slice(0, dot));
  if (!match) return null;
  const version = match[2];
  return {
    projectId: match[1]!,
    ref: version === undefined ? "head" : version === "draft" ? "draft" : Number(version.slice(1)),
  };
}

/** True for any host under the preview suffix, a valid preview host or not: those never reach the API. */
export function underPreviewHost(host: string, own: OwnHosts): boolean {
  const name = host.toLowerCase().split(":")[0]!;
  if (own.previewHost) return name.endsWith(`.${own.previewHost.toLowerCase().split(":")[0]}`);
  const at = name.indexOf(".preview.");
  return at > 0 && apiAnswersOn(name.slice(at + ".preview.".length), own.apiHosts);
}

/** `suffix` (after a preview's label, port and all) is the preview suffix. */
function underOwnSuffix(suffix: string, own: OwnHosts): boolean {
  const name = suffix.split(":")[0]!;
  if (own.previewHost) return suffix === own.previewHost.toLowerCase() || name === own.previewHost.toLowerCase();
  return name.startsWith("preview.") && apiAnswersOn(name.slice("preview.".length), own.apiHosts);
}

/** The origin of a preview, built like the request's own (scheme and port kept). */
export function previewOrigin(requestUrl: string, previewHost: string | undefined, label: string): string {
  const url = new URL(requestUrl);
  if (previewHost) return `${url.protocol}//${label}.${previewHost}`;
  // Subdomains of an IP literal do not resolve; subdomains of localhost do.
  const host = /^[\d.]+$|^\[/.test(url.hostname) ? "localhost" : url.hostname.replace(/^.*?\.preview\./, "");
  return `${url.protocol}//${label}.preview.${host}${url.port ? `:${url.port}` : ""}`;
}
