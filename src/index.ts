import { createApp } from "./http/app";

export { ProjectObject } from "./project/project-object";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<import("./env").Env>;
