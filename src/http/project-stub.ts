import type { Env } from "../env";
import { previewOrigin } from "../preview";
import type { VersionRef } from "../store";

/** The Durable Object of a project, addressed by its id. */
export function projectStub(env: Env, id: string) {
  return env.PROJECTS.get(env.PROJECTS.idFromName(id));
}

/** The preview URL of a project's head, or of one version or the draft. */
export function previewUrl(requestUrl: string, env: Env, id: string, ref?: VersionRef): string {
  const label = ref === undefined ? id : ref === "draft" ? `${id}--draft` : `${id}--v${ref}`;
  return `${previewOrigin(requestUrl, env.PREVIEW_HOST, label)}/`;
}
