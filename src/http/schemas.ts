import { z } from "@hono/zod-openapi";

/** Request and response shapes: validation at the edge and the OpenAPI document both come from these. */

const Path = z.string().openapi({ example: "src/index.ts" });

/** The `{id}` path parameter of every project route. */
export const ProjectParams = z.object({ id: z.string().openapi({ example: "k3x9q2m7ab1c" }) });

export const ChangeSchema = z
  .discriminatedUnion("op", [
    z.object({
      op: z.literal("put"),
      path: Path,
      content: z.string(),
      encoding: z.enum(["utf8", "base64"]).optional().openapi({ default: "utf8" }),
    }),
    z.object({ op: z.literal("delete"), path: Path }),
    z.object({ op: z.literal("move"), from: Path, to: Path }),
  ])
  .openapi("Change");

export const CreateProjectBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    files: z.record(z.string(), z.string()).optional().openapi({
      description: "Path → UTF-8 content. Without it the project starts from the starter app.",
    }),
  })
  .openapi("CreateProject");

export const CommitBody = z
  .object({
    base: z.number().int().nonnegative().openapi({ description: "Must equal the current head." }),
    message: z.string().max(10_000).optional(),
    changes: z.array(ChangeSchema).max(10_000),
  })
  .openapi("Commit");

export const RestoreBody = z
  .object({
    version: z.number().int().positive(),
    base: z.number().int().positive().optional(),
  })
  .openapi("Restore");

export const ListProjectsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().optional(),
});

const VersionRef = z.union([z.number().int(), z.literal("draft")]);

export const ProjectSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    head: z.number().int(),
    createdAt: z.string(),
    previewUrl: z.string(),
  })
  .openapi("Project");

export const ProjectListSchema = z
  .object({
    projects: z.array(ProjectSchema.omit({ previewUrl: true })),
    nextCursor: z.string().optional(),
  })
  .openapi("ProjectList");

export const CommitResultSchema = z
  .object({ version: z.number().int(), parent: z.number().int().nullable(), tree: z.string(), changed: z.array(z.string()) })
  .openapi("CommitResult");

export const VersionSchema = z
  .object({
    build: z.object({ ok: z.boolean(), errors: z.array(z.object({ message: z.string() }).passthrough()), durationMs: z.number() }).optional(),
    id: z.number().int(),
    parent: z.number().int().nullable(),
    message: z.string(),
    author: z.enum(["user", "agent"]),
    createdAt: z.string(),
    tree: z.string(),
    stats: z.object({ added: z.number().int(), modified: z.number().int(), deleted: z.number().int() }),
  })
  .openapi("Version");

export const FileListSchema = z
  .object({
    version: VersionRef,
    files: z.array(z.object({ path: z.string(), size: z.number().int(), hash: z.string() })),
  })
  .openapi("FileList");

export const DiffSchema = z
  .object({
    from: VersionRef,
    to: VersionRef,
    files: z.array(
      z.object({
        path: z.string(),
        oldPath: z.string().optional(),
        status: z.enum(["added", "modified", "deleted", "renamed"]),
        binary: z.boolean(),
        additions: z.number().int(),
        deletions: z.number().int(),
        hunks: z.array(
          z.object({
            oldStart: z.number().int(),
            oldLines: z.number().int(),
            newStart: z.number().int(),
            newLines: z.number().int(),
            lines: z.array(z.string()),
          }),
        ),
      }),
    ),
  })
  .openapi("Diff");

export const ErrorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string() }).catchall(z.unknown()),
  })
  .openapi("Error");

/** The body of POST /builds and POST /test: which version (default head) or "draft". */
export const VersionBody = z
  .object({ version: z.union([z.number().int().positive(), z.literal("draft")]).optional() })
  .openapi("VersionRequest");

const BuildErrorSchema = z.object({
  file: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  message: z.string(),
});

export const BuildSchema = z
  .object({
    version: VersionRef,
    ok: z.boolean(),
    durationMs: z.number(),
    errors: z.array(BuildErrorSchema),
    warnings: z.array(z.string()),
    cached: z.boolean(),
    previewUrl: z.string().optional(),
  })
  .openapi("Build");

const Location = z.object({ file: z.string(), line: z.number().int(), column: z.number().int() });

export const TestRunSchema = z
  .object({
    version: VersionRef,
    ok: z.boolean(),
    passed: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    durationMs: z.number(),
    results: z.array(
      z.object({
        file: z.string(),
        name: z.string().openapi({ description: 'Suite and test names joined with " > "' }),
        ok: z.boolean(),
        durationMs: z.number(),
        error: z.string().optional().openapi({ description: "Message, expected/received diff and location" }),
        location: Location.optional(),
        output: z.string().optional().openapi({ description: "Console output while it ran (its own and the server's), first 4000 characters" }),
      }),
    ),
    buildErrors: z.array(BuildErrorSchema).optional(),
    cached: z.boolean(),
  })
  .openapi("TestRun");

export const SettingsBody = z
  .object({
    allowedHosts: z.array(z.string().max(253)).max(100).default([]),
    secrets: z
      .array(z.object({ host: z.string().max(253), header: z.string().min(1).max(100), value: z.string().max(8192) }))
      .max(50)
      .default([]),
  })
  .openapi("SettingsUpdate");

export const SettingsSchema = z
  .object({
    allowedHosts: z.array(z.string()),
    secrets: z.array(z.object({ host: z.string(), header: z.string() })),
  })
  .openapi("Settings");

export const LogsQuery = z.object({
  version: z.string().regex(/^(?:[1-9]\d*|draft)$/, "a version number or draft").optional(),
  after: z.coerce.number().int().nonnegative().optional().openapi({ type: "string", description: "The cursor of the previous answer" }),
});

export const LogsSchema = z
  .object({
    entries: z.array(
      z.object({
        ts: z.string(),
        version: z.string(),
        level: z.enum(["log", "info", "warn", "error", "exception"]),
        message: z.string(),
        url: z.string().optional(),
      }),
    ),
    cursor: z.string(),
  })
  .openapi("Logs");
