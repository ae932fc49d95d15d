import { previewAccessToken, previewOrigin } from "../preview";
import type { VersionRef } from "../store";

/** The Durable Object of a project, addressed by its id. */
export function projectStub(env: Env, id: string) {
  return env.PROJECTS.get(env.PROJECTS.idFromName(id));
}

/** The preview URL of a project's head, or of one version or the draft (with its access token when API_TOKEN is set). */
export async function previewUrl(requestUrl: string, env: Env, id: string, ref?: VersionRef): Promise<string> {
  const label = ref === undefined ? id : ref === "draft" ? `${id}--draft` : `${id}--v${ref}`;
  const url = `${previewOrigin(requestUrl, env.PREVIEW_HOST, label)}/`;
  return env.API_TOKEN ? `${url}?access=${await previewAccessToken(env.API_TOKEN, id)}` : url;
}
