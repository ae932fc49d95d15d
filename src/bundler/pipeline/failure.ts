import type { BuildError } from "../interface";

/** Thrown inside a build for a problem of the project; becomes the failed result's errors. */
export class BuildFailure extends Error {
  /** `retry`: the problem may go away by itself (an install the registry failed), so the result must not be kept. */
  constructor(
    readonly errors: BuildError[],
    readonly options: { retry?: boolean } = {},
  ) {
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

/**
 * Repeated errors (the same message: a missing compiler, once per file it
 * should compile; a missing package, once per importer) listed once, at the
 * first place, with their count: one thing to fix, said once.
 */
export function collapseRepeats(errors: BuildError[]): BuildError[] {
  const byKey = new Map<string, BuildError>();
  for (const error of errors) {
    const key = error.message;
    const known = byKey.get(key);
    if (known) known.count = (known.count ?? 1) + (error.count ?? 1);
    else byKey.set(key, { ...error });
  }
  return [...byKey.values()];
}
