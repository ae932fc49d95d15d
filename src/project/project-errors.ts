/**
 * Refusals of the project itself rather than of its store: creating one
 * that exists, changing history while a turn edits it, settings the sandbox
 * policy rejects. Like StoreError, each has a stable `code` (the API's error
 * code) and structured `details`; the HTTP layer maps codes to statuses.
 */
export const PROJECT_ERROR_CODES = ["project_exists", "turn_in_progress", "invalid_settings"] as const;

export type ProjectErrorCode = (typeof PROJECT_ERROR_CODES)[number];

export class ProjectError extends Error {
  constructor(
    readonly code: ProjectErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ProjectError";
  }
}

export function isProjectErrorCode(code: string): code is ProjectErrorCode {
  return (PROJECT_ERROR_CODES as readonly string[]).includes(code);
}
