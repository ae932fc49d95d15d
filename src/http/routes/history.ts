import { unwrap } from "../../project";
import { decodeContent, type Change, type CommitResult } from "../../store";
import { ApiError } from "../api-errors";
import { openApiHono, served } from "../request";
import { projectStub } from "../project-stub";
import { VERSION_NUMBER } from "../schemas";
import { commit, getVersion, listVersions, restore } from "./history.routes";

export const history = openApiHono();

history.openapi(served(commit), async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const changes: Change[] = body.changes.map((change) =>
    change.op === "put"
      ? { op: "put", path: change.path, content: decodeContent(change.content, change.encoding ?? "utf8", change.path) }
      : change,
  );
  const result = unwrap(await projectStub(c.env, id).commit({ base: body.base, message: body.message, author: "user", changes }));
  return c.json(commitBody(result), result.created ? 201 : 200);
});

history.openapi(served(listVersions), async (c) => {
  const versions = unwrap(await projectStub(c.env, c.req.valid("param").id).versions());
  return c.json({ versions }, 200);
});

history.openapi(served(getVersion), async (c) => {
  const { id, version } = c.req.valid("param");
  if (!VERSION_NUMBER.test(version)) {
    throw new ApiError("invalid_request", `A version is a positive integer, got ${JSON.stringify(version)}.`);
  }
  return c.json(unwrap(await projectStub(c.env, id).version(Number(version))), 200);
});

history.openapi(served(restore), async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const result = unwrap(await projectStub(c.env, id).restore({ ...body, author: "user" }));
  return c.json(commitBody(result), result.created ? 201 : 200);
});

function commitBody(result: CommitResult) {
  return { version: result.version, parent: result.parent, tree: result.tree, changed: result.changed };
}
