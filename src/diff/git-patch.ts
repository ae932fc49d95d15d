import type { FileDiff, Hunk } from "./file-diff";

/**
 * Renders file diffs as a git-style patch that `git apply` accepts: headers,
 * mode lines for added/deleted files, exact renames, hunks with git's range
 * syntax, and a `Binary files … differ` line for binary content.
 */
export function formatGitPatch(files: FileDiff[]): string {
  return files.map(formatFile).join("");
}

function formatFile(file: FileDiff): string {
  const oldPath = file.oldPath ?? file.path;
  const out = [`diff --git ${quote(`a/${oldPath}`)} ${quote(`b/${file.path}`)}`];
  if (file.status === "added") out.push("new file mode 100644");
  if (file.status === "deleted") out.push("deleted file mode 100644");
  if (file.status === "renamed") {
    out.push("similarity index 100%", `rename from ${quote(oldPath)}`, `rename to ${quote(file.path)}`);
  }
  if (file.blobIds) {
    const [before, after] = file.blobIds;
    out.push(`index ${before}..${after}${file.status === "modified" ? " 100644" : ""}`);
  }
  const before = file.status === "added" ? "/dev/null" : quote(`a/${oldPath}`);
  const after = file.status === "deleted" ? "/dev/null" : quote(`b/${file.path}`);
  if (file.binary) {
    out.push(`Binary files ${before} and ${after} differ`);
  } else if (file.hunks.length > 0) {
    out.push(`--- ${before}`, `+++ ${after}`);
    for (const hunk of file.hunks) out.push(hunkHeader(hunk), ...hunk.lines);
  }
  return `${out.join("\n")}\n`;
}

function hunkHeader(hunk: Hunk): string {
  const range = (start: number, lines: number) => (lines === 1 ? `${start}` : `${start},${lines}`);
  return `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`;
}

/** Git quotes a name holding `"` (the only special character our path rules allow). */
function quote(name: string): string {
  return name.includes('"') ? `"${name.replaceAll('"', '\\"')}"` : name;
}
