import { unwrap } from "../../project";
import { InvalidPathError, contentType, isBinary, validatePath } from "../../store";
import { ApiError } from "../api-errors";
import { openApiHono, served, versionRef } from "../request";
import { projectStub } from "../project-stub";
import { diff, getFile, listFiles } from "./files.routes";

export const files = openApiHono();

files.openapi(served(listFiles), async (c) => {
  const { id } = c.req.valid("param");
  const ref = versionRef(c.req.valid("query").version, "version");
  return c.json(unwrap(await projectStub(c.env, id).listFiles(ref)), 200);
});

files.openapi(served(getFile), async (c) => {
  const { id } = c.req.valid("param");
  const path = validatePath(pathFromUrl(c.req.url, id));
  const ref = versionRef(c.req.valid("query").version, "version");
  const file = unwrap(await projectStub(c.env, id).readFile(ref, path));
  const etag = `"${file.hash}"`;
  c.header("ETag", etag);
  c.header("Cache-Control", "no-cache");
  if (
    c.req
      .header("If-None-Match")
      ?.split(/\s*,\s*/)
      .includes(etag)
  )
    return c.body(null, 304);
  const type = contentType(path, isBinary(file.bytes) ? "application/octet-stream" : "text/plain");
  c.header("Content-Type", type);
  // The app's files are the model's code: a page or image that can run script is downloaded, never shown
  // on the API's origin (the CSP sandbox and nosniff of every API answer back this up).
  if (ACTIVE_DOCUMENT.test(type)) c.header("Content-Disposition", attachment(path.split("/").at(-1)!));
  return c.body(new Uint8Array(file.bytes));
});

/**
 * The file path from the raw URL, percent-decoded strictly: bytes that are
 * not UTF-8 (such as an encoded lone surrogate) are refused, where the
 * router's lenient decoding would keep them as literal `%XX` text.
 */
function pathFromUrl(url: string, id: string): string {
  const raw = new URL(url).pathname.slice(`/api/projects/${id}/files/`.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new InvalidPathError(raw, "it is not well-formed UTF-8 once percent-decoded");
  }
}

/** Types a browser renders as a document that can run script. */
const ACTIVE_DOCUMENT = /^(?:text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|application\/[\w.-]+\+xml)\b/;

function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

files.openapi(served(diff), async (c) => {
  const { id } = c.req.valid("param");
  const query = c.req.valid("query");
  const from = versionRef(query.from, "from", true);
  const to = versionRef(query.to, "to");
  const format = diffFormat(query.format, c.req.header("Accept"));
  const result = unwrap(await projectStub(c.env, id).diff({ from, to, format }));
  if (typeof result !== "string") return c.json(result, 200);
  return c.body(result, 200, { "Content-Type": "text/x-diff; charset=utf-8" });
});

function diffFormat(format: string | undefined, accept: string | undefined): "git" | "json" {
  if (format === "git" || format === "json") return format;
  if (format !== undefined) throw new ApiError("invalid_request", `format must be "git" or "json", got ${JSON.stringify(format)}.`);
  return accept?.includes("application/json") ? "json" : "git";
}
