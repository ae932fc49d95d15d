import { createApp } from "./http/app";
import { projectStub } from "./http/project-stub";
import { checkPreviewAccess, parsePreviewHost, underPreviewHost } from "./preview";
import { ownHostsFromEnv } from "./server-config";

// The composition root: the project's object with the agent loop (agent/ builds on the stages, never the reverse).
export { ProjectObject } from "../agent/project-object";
export { AppD1, AppDatabase, AppEgress, AppKV, AppTail, AppTestProgress } from "./project";
export { DependencySetObject } from "./bundler";
export { SandboxGateway } from "./sandbox";

const app = createApp();

export default {
  /** Preview origins go to their project's object; every other host is the API. */
  async fetch(request, env, ctx) {
    const host = new URL(request.url).host;
    const own = ownHostsFromEnv(env);
    const target = parsePreviewHost(host, own);
    if (!target) {
      // A malformed name under the preview suffix is no preview, and never the API or the playground either.
      if (underPreviewHost(host, own))
        return new Response("Not found\n", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      return app.fetch(request, env, ctx);
    }
    const checked = await checkPreviewAccess(request, env.API_TOKEN, target.projectId);
    if (checked instanceof Response) return checked;
    const label = new URL(request.url).hostname.split(".")[0]!;
    return projectStub(env, target.projectId).preview(checked, target.ref, label);
  },
} satisfies ExportedHandler<Env>;
