export * from "./interface";
export { buildProject, type BuildInput } from "./build";
export { SqlBuildCache } from "./sql-cache";
export { DependencySetObject } from "./dependency-object";
export { sharedDependencies } from "./shared-dependencies";
export type { BundleMemo } from "./bundle-memo";
export { bundleTests, type TestBundle, type TestBundleMemo } from "./test-bundle";
