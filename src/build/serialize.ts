import type { BuildOutput } from "./interface";

/** BuildOutput ⇄ gzipped JSON bytes (binary assets as base64). */
export async function packOutput(output: BuildOutput): Promise<Uint8Array> {
  const assets = Object.fromEntries(
    Object.entries(output.assets).map(([path, content]) => [
      path,
      typeof content === "string" ? { text: content } : { base64: Buffer.from(content).toString("base64") },
    ]),
  );
  return gzip(JSON.stringify({ ...output, assets }));
}

export async function unpackOutput(bytes: Uint8Array): Promise<BuildOutput> {
  const raw = JSON.parse(await gunzip(bytes)) as Omit<BuildOutput, "assets"> & {
    assets: Record<string, { text: string } | { base64: string }>;
  };
  const assets = Object.fromEntries(
    Object.entries(raw.assets).map(([path, content]) => [
      path,
      "text" in content ? content.text : new Uint8Array(Buffer.from(content.base64, "base64")),
    ]),
  );
  return { ...raw, assets };
}

export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzip(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}
