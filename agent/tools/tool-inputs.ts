import { z } from "zod";
import type { ToolName } from "./definitions";

/**
 * Each tool's input as the host accepts it. The model's input is checked
 * before a tool runs: one that does not match comes back as an `is_error`
 * result naming the field, never as a fault that ends the turn.
 */
const path = z.string({ error: "must be a string, the file's path" });
const text = (what: string) => z.string({ error: `must be a string, ${what}` });

const EDITOR = z.discriminatedUnion(
  "command",
  [
    z.object({
      command: z.literal("view"),
      path,
      view_range: z.tuple([z.int(), z.int()], { error: "must be [start, end] (whole numbers; end -1 for the end of the file)" }).optional(),
    }),
    z.object({ command: z.literal("create"), path, file_text: text("the whole content of the file") }),
    z.object({
      command: z.literal("str_replace"),
      path,
      old_str: text("the text to replace"),
      new_str: text("its replacement").optional(),
    }),
    z.object({
      command: z.literal("insert"),
      path,
      insert_line: z.int({ error: "must be a whole number, the line after which to insert (0 for the top)" }),
      insert_text: text("the text to insert").optional(),
      new_str: text("the text to insert").optional(),
    }),
  ],
  { error: "must be one of view, create, str_replace or insert" },
);

const INPUTS: Record<ToolName, z.ZodType> = {
  str_replace_based_edit_tool: EDITOR,
  execute: z.object({ code: text("an async arrow function such as `async () => { ... }`") }),
  build_and_test: z.object({}),
};

/** The input if it fits the tool, or what is wrong with it (the field and why), for the model to act on. */
export function checkToolInput<T>(name: ToolName, input: unknown): { ok: true; input: T } | { ok: false; message: string } {
  const parsed = INPUTS[name].safeParse(input);
  if (parsed.success) return { ok: true, input: parsed.data as T };
  if (input === null || typeof input !== "object" || Array.isArray(input))
    return { ok: false, message: `The input of ${name} must be an object, not ${describe(input)}.` };
  const problems = parsed.error.issues.slice(0, 5).map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "the input";
    const value = issue.path.reduce<unknown>((at, key) => (at as Record<PropertyKey, unknown> | undefined)?.[key], input);
    return `\`${field}\` ${issue.message}${issue.code === "invalid_type" || issue.code === "invalid_union" ? ` (it was ${describe(value)})` : ""}`;
  });
  return { ok: false, message: `The input of ${name} was refused: ${problems.join("; ")}. Nothing was done.` };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value === undefined) return "missing";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
