/**
 * Reads a sandbox's answer as text, at most `limit` bytes: an app or a test
 * run that streams without end costs the host a bounded amount of memory and
 * time, and the caller learns why it stopped.
 */
export async function textAtMost(response: Response, limit: number, what: string): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`${what} is over ${limit} bytes, the most the host reads.`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
