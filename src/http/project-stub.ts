import { previewAccessToken, previewOrigin } from "../preview";
import type { VersionRef } from "../store";

/** The Durable Object of a project, addressed by its id. */
export function projectStub(env: Env, id: string) {
  return env.PROJECTS.get(env.PROJECTS.idFromName(id));
}

/** The preview URL of a project's head, or of one version or the draft (with its access token when API_TOKEN is set). */
export async function previewUrl(requestUrl: string, env: Env, id: string, ref?: VersionRef): Promise<string> {
  const url = barePreviewUrl(requestUrl, env, id, ref);
  return env.API_TOKEN ? `${url}?access=${await previewAccessToken(env.API_TOKEN, id)}` : url;
}

/** The same URL without its access token: for what a model, an app or an event stream reads. */
export function barePreviewUrl(requestUrl: string, env: Env, id: string, ref?: VersionRef): string {
  const label = ref === undefined ? id : ref === "draft" ? `${id}--draft` : `${id}--v${ref}`;
  return `${previewOrigin(requestUrl, env.PREVIEW_HOST, label)}/`;
}
