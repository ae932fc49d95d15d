export { diffTrees, toJsonFile, type FileDiff, type FileStatus, type Hunk } from "./file-diff";
export { formatGitPatch } from "./git-patch";
