import { z } from "@hono/zod-openapi";
import { PROJECT_ID, TURN_ID } from "./ids";

export { PROJECT_ID, TURN_ID };

/**
 * Request and response shapes: validation at the edge and the OpenAPI
 * document both come from these. Where a rule is checked later with a more
 * precise error code (paths: `invalid_path`; ids: `not_found`), the schema
 * declares it for clients through `.openapi()` metadata, which documents
 * without validating.
 */

/** A version number as the API writes it: 1 … 999,999,999,999,999 (safe integers). */
export const VERSION_NUMBER = /^[1-9]\d{0,14}$/;
const MAX_VERSION = 999_999_999_999_999;

/** The path rules of src/store/paths.ts as a JSON Schema pattern (ECMAScript, no flags). */
const PATH_PATTERN =
  "^(?!/)(?!.*//)(?!(?:.*/)?\\.{1,2}(?:/|$))(?!(?:.*/)?(?:\\.[Gg][Ii][Tt][. ]*|[Gg][Ii][Tt]~1)(?:/|$))" +
  "(?![Nn][Oo][Dd][Ee]_[Mm][Oo][Dd][Uu][Ll][Ee][Ss](?:/|$))[^\\\\\\u0000-\\u001F\\u007F]+$";

const Path = z.string().openapi({
  example: "src/index.ts",
  pattern: PATH_PATTERN,
  maxLength: 1024,
  description:
    "A relative POSIX path of well-formed Unicode: no leading '/', no '.', '..' or empty segments, no backslash or control characters, " +
    "segments of at most 255 bytes and at most 1024 bytes in all (UTF-8), not under node_modules/ and no '.git' segment (any letter case). Else 400 invalid_path.",
});

/** Refuses text that UTF-8 cannot hold as sent (a lone surrogate would be stored as U+FFFD). */
const Text = () => z.string().refine((text) => text.isWellFormed(), "must be well-formed Unicode (no lone surrogates)");

const Version = z.number().int().min(1).max(MAX_VERSION);

/** The `{id}` path parameter of every project route. */
export const ProjectParams = z.object({
  id: z.string().openapi({ example: "k3x9q2m7ab1c", pattern: PROJECT_ID.source, minLength: 2, maxLength: 32 }),
});

/** `?version=N|draft` (default head). */
export const VersionQuery = z.object({
  version: z.string().optional().openapi({ pattern: "^(?:[1-9]\\d{0,14}|draft)$", description: "N or `draft`; default head" }),
});

/** The `{path}` of a raw file: the rest of the URL, percent-encoded UTF-8. */
export const FileParams = ProjectParams.extend({ path: Path });

export const VersionParams = ProjectParams.extend({
  version: z.string().openapi({ pattern: VERSION_NUMBER.source, example: "1" }),
});

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
    name: Text().trim().min(1).max(200).optional(),
    files: z
      .record(
        Path,
        z.union([
          z.string(),
          z.object({ content: z.string(), encoding: z.enum(["utf8", "base64"]).optional().openapi({ default: "utf8" }) }),
        ]),
      )
      .optional()
      .openapi({
        description:
          "Path → UTF-8 content, or {content, encoding} for base64 (images, fonts). Without it the project starts from the starter app.",
      }),
  })
  .openapi("CreateProject");

export const CommitBody = z
  .object({
    base: z.number().int().min(0).max(MAX_VERSION).openapi({ description: "Must equal the current head." }),
    message: Text().max(10_000).optional(),
    changes: z.array(ChangeSchema).max(10_000),
  })
  .openapi("Commit");

export const RestoreBody = z
  .object({
    version: Version,
    base: Version.optional(),
  })
  .openapi("Restore");

export const ListProjectsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ type: "integer", minimum: 1, maximum: 100 }),
  cursor: z.string().max(24).optional().openapi({ pattern: "^[A-Za-z0-9+/]{2,24}$", description: "`nextCursor` of the previous page" }),
});

const VersionRef = z.union([z.number().int(), z.literal("draft")]);

export const ProjectSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    head: z.number().int(),
    createdAt: z.string(),
    previewUrl: z.string(),
    turn: z.object({ id: z.string(), status: z.string() }).optional().openapi({ description: "The latest agent turn" }),
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
    build: z
      .object({ ok: z.boolean(), errors: z.array(z.object({ message: z.string() }).passthrough()), durationMs: z.number() })
      .optional(),
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
export const VersionBody = z.object({ version: z.union([Version, z.literal("draft")]).optional() }).openapi("VersionRequest");

const BuildErrorSchema = z.object({
  file: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  message: z.string(),
  count: z.number().int().optional().openapi({ description: "How often the build reported this message, when more than once" }),
});

export const ScheduledBody = VersionBody.extend({
  cron: z
    .string()
    .max(256)
    .optional()
    .openapi({ description: "The cron the handler sees; default the config's first triggers.crons entry" }),
}).openapi("ScheduledRequest");

export const ScheduledSchema = z
  .object({
    version: VersionRef,
    cron: z.string(),
    outcome: z.enum(["ok", "exception", "no_handler", "no_worker", "stopped", "build_failed"]),
    error: z.string().optional(),
    errors: z.array(BuildErrorSchema).optional(),
  })
  .openapi("ScheduledRun");

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
        output: z
          .string()
          .optional()
          .openapi({ description: "Console output while it ran (its own and the server's), first 4000 characters" }),
      }),
    ),
    buildErrors: z.array(BuildErrorSchema).optional(),
    cached: z.boolean(),
  })
  .openapi("TestRun");

const Host = z
  .string()
  .max(253)
  .openapi({
    pattern: "^(?:\\*\\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?$",
    description:
      "A public hostname, or `*.` and a domain for its subdomains. Refused (400 invalid_settings): localhost and other names that resolve only locally " +
      "(*.local, *.internal, names without a dot), loopback, private and link-local addresses, and this server's own API and preview hosts.",
    example: "api.example.com",
  });

export const SettingsBody = z
  .object({
    allowedHosts: z.array(Host).max(100).default([]),
    secrets: z
      .array(
        z.object({
          host: Host,
          header: z.string().min(1).max(100).openapi({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", example: "Authorization" }),
          value: z.string().max(8192).openapi({
            pattern: "^[\\x21-\\x7E\\x80-\\xFF](?:[\\t\\x20-\\x7E\\x80-\\xFF]*[\\x21-\\x7E\\x80-\\xFF])?$",
            description: "A header value: no CR, LF, NUL or other control characters, no spaces at either end, Latin-1 only.",
          }),
        }),
      )
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
  version: z
    .string()
    .regex(/^(?:[1-9]\d{0,14}|draft)$/, "a version number or draft")
    .optional(),
  after: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .openapi({ type: "string", pattern: "^\\d{1,16}$", description: "The cursor of the previous answer" }),
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

export const TurnParams = ProjectParams.extend({ turnId: z.string().openapi({ pattern: TURN_ID.source, example: "t3f9a0c41d2e8b77" }) });

/** Longest chat message, in characters. */
export const MAX_CHAT_CHARS = 32_000;

export const ChatBody = z
  .object({
    message: Text().trim().min(1, "must not be empty").max(MAX_CHAT_CHARS),
    budgets: z
      .object({
        maxModelCalls: z.number().int().min(1).max(1000).optional(),
        maxOutputTokens: z.number().int().min(1).max(10_000_000).optional(),
        maxSeconds: z.number().int().min(1).max(86_400).optional(),
      })
      .optional()
      .openapi({ description: "Tighter budgets for this turn; the server's own (TURN_MAX_*) always apply too." }),
  })
  .openapi("ChatRequest");

const Usage = z.object({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  modelCalls: z.number().int(),
});

export const TurnSchema = z
  .object({
    id: z.string(),
    status: z.enum(["running", "completed", "failed", "cancelled", "budget_exceeded", "stuck"]),
    message: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    usage: Usage,
    timings: z.object({ steps: z.number().int(), modelMs: z.number(), toolMs: z.number() }).openapi({
      description: "Steps run, and milliseconds spent in model calls and in tool calls; the rest of the turn's time is the loop's own",
    }),
    version: z.number().int().optional(),
    error: z.string().optional(),
    eventsUrl: z
      .string()
      .optional()
      .openapi({ description: "The turn's event stream; carries its own ?access= token when API_TOKEN is set" }),
  })
  .openapi("Turn");

export const TurnListSchema = z.object({ turns: z.array(TurnSchema) }).openapi("TurnList");

export const ConversationSchema = z
  .object({
    messages: z.array(
      z.union([
        z.object({ turnId: z.string(), role: z.enum(["user", "assistant"]), text: z.string() }),
        z.object({
          turnId: z.string(),
          role: z.literal("tool"),
          id: z.string(),
          name: z.string(),
          input: z.unknown(),
          ok: z.boolean().nullable(),
          summary: z.string(),
        }),
      ]),
    ),
  })
  .openapi("Conversation");

export const InfoSchema = z
  .object({ name: z.string(), docs: z.string(), projects: z.string(), model: z.string().nullable() })
  .openapi("Info");
