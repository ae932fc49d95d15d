export * from "./interface";
export * from "./store-errors";
export { validatePath } from "./paths";
export { decodeContent, hashBytes, isBinary, utf8OrNull, type ContentEncoding } from "./content";
export { changedPaths, comparePaths, manifestDelta, sortedPaths, treeHash } from "./tree";
export { SqlStore } from "./sql-store";
export { MemoryStore } from "./memory-store";
export { STARTER_FILES } from "./starter";
export { contentType } from "./mime";
