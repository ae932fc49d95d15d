export * from "./interface";
export { findTestFiles, runTests } from "./run-tests";
export { TestRunCache } from "./result-cache";
