import type { Env } from "../env";

/** The Durable Object of a project, addressed by its id. */
export function projectStub(env: Env, id: string) {
  return env.PROJECTS.get(env.PROJECTS.idFromName(id));
}

/** The preview origin of a project's head (served by the preview stage). */
export function previewUrl(requestUrl: string, env: Env, id: string): string {
  const url = new URL(requestUrl);
  if (env.PREVIEW_HOST) return `${url.protocol}//${id}.${env.PREVIEW_HOST}/`;
  // Subdomains of an IP literal do not resolve; subdomains of localhost do.
  const host = /^[\d.]+$|^\[/.test(url.hostname) ? "localhost" : url.hostname;
  return `${url.protocol}//${id}.preview.${host}${url.port ? `:${url.port}` : ""}/`;
}
