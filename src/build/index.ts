export * from "./interface";
export { buildProject, type BuildInput } from "./build";
export { MAX_COMPATIBILITY_DATE } from "./config";
export { SqlBuildCache } from "./sql-cache";
export type { BundleMemo } from "./bundle-memo";
