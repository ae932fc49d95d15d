import { createHash } from "node:crypto";
import { StoreError } from "./store-errors";

export type ContentEncoding = "utf8" | "base64";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** SHA-256 of the bytes, lowercase hex: the identity of a blob. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Turns API content into bytes; throws `invalid_content` for bad base64 and
 * for text with a lone surrogate (UTF-8 cannot hold it: it would be stored
 * as U+FFFD, not as sent).
 */
export function decodeContent(content: string, encoding: ContentEncoding, path: string): Uint8Array {
  if (encoding === "utf8") {
    if (!content.isWellFormed()) {
      throw new StoreError(
        "invalid_content",
        `Content of ${JSON.stringify(path)} is not well-formed Unicode (it has a lone surrogate); send such bytes with encoding "base64".`,
        { path },
      );
    }
    return encoder.encode(content);
  }
  const compact = content.replace(/\s+/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new StoreError("invalid_content", `Content of ${JSON.stringify(path)} is not valid base64.`, {
      path,
    });
  }
  return Uint8Array.from(Buffer.from(compact, "base64"));
}

/** The bytes as text if they are valid UTF-8 (BOM kept), else null. */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Git's rule of thumb: content with a NUL byte in its first 8000 bytes is
 * binary. Content that is not UTF-8 is also binary for us, since a text diff
 * of it would not round-trip.
 */
export function isBinary(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8000);
  if (head.includes(0)) return true;
  return utf8OrNull(bytes) === null;
}
