export * from "./interface";
export { findTestFiles, runTests } from "./run";
export { TestRunCache } from "./result-cache";
