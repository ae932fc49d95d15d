import { getMimeType, mimes } from "hono/utils/mime";

/** Source files an app generator produces, which the generic table gets wrong (`.ts` is not MPEG-TS here). */
const SOURCE_TYPES: Record<string, string> = {
  ts: "text/typescript",
  tsx: "text/typescript",
  mts: "text/typescript",
  cts: "text/typescript",
  jsx: "text/javascript",
  md: "text/markdown",
  toml: "application/toml",
  jsonc: "application/json",
  txt: "text/plain",
};

const TABLE = { ...mimes, ...SOURCE_TYPES };

/** Content type by extension; `fallback` when the extension is unknown. */
export function contentType(path: string, fallback: string): string {
  const type = getMimeType(path, TABLE) ?? fallback;
  return type.startsWith("text/") && !type.includes("charset") ? `${type}; charset=utf-8` : type;
}
