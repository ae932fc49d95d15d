import { ProjectError, ProjectIndex, decodeCursor, unwrap, type ProjectInfo } from "../../project";
import { STARTER_FILES, StoreError, decodeContent, type Change } from "../../store";
import { ApiError } from "../api-errors";
import { openApiHono, served } from "../request";
import { previewUrl, projectStub } from "../project-stub";
import { createProject, deleteProject, getProject, listProjects } from "./projects.routes";

export const projects = openApiHono();

projects.openapi(served(createProject), async (c) => {
  const body = c.req.valid("json");
  const files: Change[] = Object.entries(body.files ?? STARTER_FILES).map(([path, file]) => ({
    op: "put",
    path,
    content: typeof file === "string" ? decodeContent(file, "utf8", path) : decodeContent(file.content, file.encoding ?? "utf8", path),
  }));
  const name = body.name ?? "Untitled project";
  for (let attempt = 0; ; attempt++) {
    const id = newProjectId();
    const stub = projectStub(c.env, id);
    let info: ProjectInfo;
    try {
      info = unwrap(await stub.create({ id, name, files }));
    } catch (error) {
      // A random id that is taken is astronomically unlikely; pick another.
      if (error instanceof ProjectError && error.code === "project_exists" && attempt < 3) continue;
      throw error;
    }
    try {
      await new ProjectIndex(c.env.PROJECT_INDEX).add({ ...info, createdAt: Date.parse(info.createdAt) });
    } catch (error) {
      await stub.destroy();
      throw error;
    }
    return c.json({ ...info, previewUrl: await previewUrl(c.req.url, c.env, id) }, 201);
  }
});

projects.openapi(served(listProjects), async (c) => {
  const query = c.req.valid("query");
  if (query.cursor !== undefined && decodeCursor(query.cursor) === undefined) {
    throw new ApiError("invalid_request", "cursor is not a cursor this server returned; omit it to start over.");
  }
  return c.json(await new ProjectIndex(c.env.PROJECT_INDEX).list(query), 200);
});

projects.openapi(served(getProject), async (c) => {
  const { id } = c.req.valid("param");
  const info = unwrap(await projectStub(c.env, id).info());
  return c.json({ ...info, previewUrl: await previewUrl(c.req.url, c.env, id) }, 200);
});

projects.openapi(served(deleteProject), async (c) => {
  const { id } = c.req.valid("param");
  let existed = true;
  try {
    unwrap(await projectStub(c.env, id).destroy());
  } catch (error) {
    if (!(error instanceof StoreError && error.code === "not_found")) throw error;
    existed = false;
  }
  // Also finishes a delete that removed the object but not its listing.
  const listed = await new ProjectIndex(c.env.PROJECT_INDEX).remove(id);
  if (!existed && !listed) throw new ApiError("not_found", `Project ${id} not found.`);
  return c.body(null, 204);
});

/** 12 characters from [a-z0-9], starting with a letter: matches the id rule of docs/api.md. */
function newProjectId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return [...bytes].map((byte, i) => alphabet[byte % (i === 0 ? 26 : 36)]).join("");
}
