import { InvalidPathError } from "./errors";

const MAX_PATH_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;
const RESERVED_ROOTS = [".git", "node_modules"];
const encoder = new TextEncoder();

/**
 * Checks a project path against the rules in API.md (relative POSIX path,
 * no `.`/`..`/empty segments, no backslash or control characters, segment
 * ≤ 255 bytes, path ≤ 1024 bytes, not under `.git/` or `node_modules/`).
 * Returns the path unchanged; throws InvalidPathError naming the rule broken.
 */
export function validatePath(path: unknown): string {
  if (typeof path !== "string") throw new InvalidPathError(String(path), "a path must be a string");
  if (path === "") throw new InvalidPathError(path, "it is empty");
  if (path.startsWith("/")) throw new InvalidPathError(path, "it must be relative (no leading '/')");
  if (path.includes("\\")) throw new InvalidPathError(path, "use '/' as the separator, not '\\'");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) {
    throw new InvalidPathError(path, "it contains a control character");
  }
  if (encoder.encode(path).byteLength > MAX_PATH_BYTES) {
    throw new InvalidPathError(path, `it is longer than ${MAX_PATH_BYTES} bytes`);
  }
  const segments = path.split("/");
  for (const segment of segments) {
    if (segment === "") throw new InvalidPathError(path, "it has an empty segment");
    if (segment === "." || segment === "..") {
      throw new InvalidPathError(path, `'${segment}' segments are not allowed`);
    }
    if (encoder.encode(segment).byteLength > MAX_SEGMENT_BYTES) {
      throw new InvalidPathError(path, `a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
  }
  if (RESERVED_ROOTS.includes(segments[0]!)) {
    throw new InvalidPathError(path, `'${segments[0]}/' is reserved`);
  }
  return path;
}
