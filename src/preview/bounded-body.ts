/**
 * Reads a stream to its end, or stops as soon as it passes `limit` bytes
 * (`null`; the reader is then the caller's to cancel or drain). Whatever a
 * sandbox streams, the host holds at most `limit` bytes of it.
 */
export async function readAtMost(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) return null;
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** A sandbox's answer as text, at most `limit` bytes of it, else an error naming `what`. */
export async function textAtMost(response: Response, limit: number, what: string): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const bytes = await readAtMost(reader, limit);
  if (bytes) return new TextDecoder().decode(bytes);
  await reader.cancel().catch(() => undefined);
  throw new Error(`${what} is over ${limit} bytes, the most the host reads.`);
}
