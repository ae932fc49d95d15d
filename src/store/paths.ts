import { InvalidPathError } from "./store-errors";

const MAX_PATH_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;
const encoder = new TextEncoder();

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Code points HFS+ ignores in names, so `.g\u200Cit` is `.git` there. */
const HFS_IGNORED = /[\u200C-\u200F\u202A-\u202E\u206A-\u206F\uFEFF]/gu;

/**
 * Checks a project path against the rules in docs/api.md (relative POSIX path,
 * well-formed Unicode, no `.`/`..`/empty segments, no backslash or control
 * characters, segment ≤ 255 bytes, path ≤ 1024 bytes, not under
 * `node_modules/`, and no segment git refuses as `.git`). Returns the path
 * unchanged; throws InvalidPathError naming the rule broken.
 */
export function validatePath(path: unknown): string {
  if (typeof path !== "string") throw new InvalidPathError(String(path), "a path must be a string");
  if (path === "") throw new InvalidPathError(path, "it is empty");
  // Storage and UTF-8 encoding would replace a lone surrogate, so two paths could become one.
  if (!path.isWellFormed()) throw new InvalidPathError(path, "it is not well-formed Unicode (it has a lone surrogate)");
  if (path.startsWith("/")) throw new InvalidPathError(path, "it must be relative (no leading '/')");
  if (path.includes("\\")) throw new InvalidPathError(path, "use '/' as the separator, not '\\'");
  if (CONTROL.test(path)) throw new InvalidPathError(path, "it contains a control character");
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
    if (isGitDirName(segment)) {
      throw new InvalidPathError(path, `'${segment}' names git's own directory ('.git' is reserved in any letter case and at any depth)`);
    }
  }
  // Case-insensitive file systems (macOS, Windows) would put Node_Modules/ where node_modules/ is.
  if (segments[0]!.toLowerCase() === "node_modules") {
    throw new InvalidPathError(path, `'${segments[0]}/' is reserved (node_modules/ in any letter case)`);
  }
  return path;
}

/**
 * The names git refuses as a path segment, so that `git apply` of our diffs
 * never fails: `.git` in any letter case, also with the trailing dots and
 * spaces or `::stream` suffix NTFS ignores, its 8.3 short name `git~1`, and
 * with the code points HFS+ ignores.
 */
function isGitDirName(segment: string): boolean {
  const name = segment
    .replace(HFS_IGNORED, "")
    .toLowerCase()
    .replace(/::.*$/, "")
    .replace(/[. ]+$/, "");
  return name === ".git" || name === "git~1";
}
