import type { BuildError } from "./interface";

/** Thrown inside a build for a problem of the project; becomes the failed result's errors. */
export class BuildFailure extends Error {
  constructor(readonly errors: BuildError[]) {
    super(errors.map((e) => e.message).join("; "));
  }
}

/** esbuild's errors carry locations; our files appear as `virtual:<path>`. */
export function bundlerErrors(error: unknown): BuildError[] {
  const located = (error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
  if (Array.isArray(located) && located.length > 0) {
    return located.map((item) => ({
      ...(item.location
        ? { file: item.location.file.replace(/^virtual:/, ""), line: item.location.line, column: item.location.column + 1 }
        : {}),
      message: item.text,
    }));
  }
  return [{ message: error instanceof Error ? error.message : String(error) }];
}
