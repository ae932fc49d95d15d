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
 * `preview.<any host>` such as `preview.localhost:8787`. Returns null for any
 * other host, which the API then serves.
 */
export function parsePreviewHost(host: string, previewHost: string | undefined): PreviewTarget | null {
  const lower = host.toLowerCase();
  const dot = lower.indexOf(".");
  if (dot < 0) return null;
  const rest = lower.slice(dot + 1);
  const suffixOk = previewHost
    ? rest === previewHost.toLowerCase() || rest.split(":")[0] === previewHost.toLowerCase()
    : rest.startsWith("preview.");
  if (!suffixOk) return null;
  const match = LABEL.exec(lower.slice(0, dot));
  if (!match) return null;
  const version = match[2];
  return {
    projectId: match[1]!,
    ref: version === undefined ? "head" : version === "draft" ? "draft" : Number(version.slice(1)),
  };
}

/** True for any host under the preview suffix, a valid preview host or not: those never reach the API. */
export function underPreviewHost(host: string, previewHost: string | undefined): boolean {
  const lower = host.toLowerCase();
  const name = lower.split(":")[0]!;
  if (previewHost) return name.endsWith(`.${previewHost.toLowerCase().split(":")[0]}`);
  return /^[^.]+(\.[^.]+)*\.preview\./.test(lower) && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

/** The origin of a preview, built like the request's own (scheme and port kept). */
export function previewOrigin(requestUrl: string, previewHost: string | undefined, label: string): string {
  const url = new URL(requestUrl);
  if (previewHost) return `${url.protocol}//${label}.${previewHost}`;
  // Subdomains of an IP literal do not resolve; subdomains of localhost do.
  const host = /^[\d.]+$|^\[/.test(url.hostname) ? "localhost" : url.hostname.replace(/^.*?\.preview\./, "");
  return `${url.protocol}//${label}.preview.${host}${url.port ? `:${url.port}` : ""}`;
}
