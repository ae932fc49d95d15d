export * from "./interface";
export { buildProject, type BuildInput } from "./pipeline/build-project";
export { SqlBuildCache } from "./results/sql-build-cache";
export { DependencySetObject } from "./dependencies/dependency-object";
export { sharedDependencies } from "./dependencies/shared-dependencies";
export type { BundleMemo } from "./pipeline/bundle-memo";
export { bundleTests, type TestBundle, type TestBundleMemo } from "./pipeline/test-bundle";
export { MAX_COMPATIBILITY_DATE } from "./pipeline/project-config";
export type { SandboxCompile } from "./compilers/compiler";
