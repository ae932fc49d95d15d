import { parseStacktrace } from "@vitest/utils/source-map";
import { type RunRequest, type SourceLocation, TEST_ENTRY_DIR } from "./protocol";

/** The test bundles' source maps, by module name. */
export function sourceMaps(files: RunRequest["files"]): Map<string, unknown> {
  return new Map(files.map((file) => [file.module, file.sourceMap]));
}

/** Where in the project's sources a stack trace (of a test bundle) points: its first frame in a project file. */
export function locate(stack: string, maps: Map<string, unknown>): SourceLocation | undefined {
  const frames = parseStacktrace(stack, {
    getSourceMap: (module) => maps.get(module.replace(/^.*\//, "")),
    ignoreStackEntries: [],
  });
  // The bundler names project files "virtual:<path>" in the source maps.
  const found = frames
    .map((frame) => ({ ...frame, path: frame.file.slice(frame.file.indexOf(PROJECT_SOURCE) + PROJECT_SOURCE.length) }))
    .find(
      (frame) =>
        frame.file.includes(PROJECT_SOURCE) && !frame.path.startsWith(`${TEST_ENTRY_DIR}/`) && !frame.path.includes("node_modules/"),
    );
  // Source map columns are 0-based; locations (like build errors) count from 1.
  return found && { file: found.path, line: found.line, column: found.column + 1 };
}

const PROJECT_SOURCE = "virtual:";
