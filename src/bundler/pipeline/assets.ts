import { DEFAULT_LAYOUT, type ViteLayout } from "./vite-config";
import { hashBytes } from "../../store";

/**
 * Files a module imports that are not code, handled as Vite handles them: an
 * image, font or media file becomes the URL of a copy with a content hash in
 * its name (`/assets/logo-1a2b3c4d.svg`), `?url` gives any file's URL, `?raw`
 * its text and `?inline` a data: URL. Both builds (the bundle and the module
 * path) turn such an import into the same small module.
 */

/** Vite's known asset types (KNOWN_ASSET_TYPES): imported, each is a URL. */
const ASSET_EXTENSIONS = new Set(
  (
    "apng bmp png jpg jpeg jfif pjpeg pjp gif svg ico webp avif cur jxl " +
    "mp4 webm ogg mp3 wav flac aac opus mov m4a vtt woff woff2 eot ttf otf webmanifest pdf txt"
  ).split(" "),
);
const TYPES: Record<string, string> = {
  apng: "image/apng",
  bmp: "image/bmp",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  jfif: "image/jpeg",
  pjpeg: "image/jpeg",
  pjp: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  ico: "image/x-icon",
  webp: "image/webp",
  avif: "image/avif",
  cur: "image/x-icon",
  jxl: "image/jxl",
  mp4: "video/mp4",
  webm: "video/webm",
  ogg: "audio/ogg",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  flac: "audio/flac",
  aac: "audio/aac",
  opus: "audio/opus",
  mov: "video/quicktime",
  m4a: "audio/mp4",
  vtt: "text/vtt",
  woff: "font/woff",
  woff2: "font/woff2",
  eot: "application/vnd.ms-fontobject",
  ttf: "font/ttf",
  otf: "font/otf",
  webmanifest: "application/manifest+json",
  pdf: "application/pdf",
  txt: "text/plain",
  css: "text/css",
  json: "application/json",
  js: "text/javascript",
};

export type AssetQuery = "url" | "raw" | "inline";

/** `./logo.svg?url` → the path and the query Vite gives a meaning to (others are refused by the caller). */
export function splitQuery(specifier: string): { path: string; query: string | undefined } {
  const at = specifier.indexOf("?");
  return at < 0 ? { path: specifier, query: undefined } : { path: specifier.slice(0, at), query: specifier.slice(at + 1) };
}

export function assetQuery(query: string | undefined): AssetQuery | undefined {
  return query === "url" || query === "raw" || query === "inline" ? query : undefined;
}

export function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return name.includes(".") ? name.slice(name.lastIndexOf(".") + 1).toLowerCase() : "";
}

/** True for a file whose import is its URL (an image, a font, …). */
export function isAssetFile(path: string): boolean {
  return ASSET_EXTENSIONS.has(extensionOf(path));
}

/** Content hashes of files' bytes: a tree's unchanged files keep their arrays from build to build. */
const digests = new WeakMap<Uint8Array, string>();

/** A short content hash of `bytes`, computed once per array. */
export function contentDigest(bytes: Uint8Array): string {
  const known = digests.get(bytes);
  if (known !== undefined) return known;
  const digest = hashBytes(bytes).slice(0, 8);
  digests.set(bytes, digest);
  return digest;
}

/** The copies of imported files a build serves, by URL, and where the app's files are (Vite's root, publicDir and base). */
export class EmittedAssets {
  readonly files = new Map<string, Uint8Array>();

  constructor(readonly layout: ViteLayout = DEFAULT_LAYOUT) {}

  get base(): string {
    return this.layout.base;
  }

  /** The project path of a file in the public directory served at `url` ("/vite.svg"), if there is one. */
  publicFile(url: string): string | undefined {
    return this.layout.publicDir === null ? undefined : this.layout.publicDir + url.replace(/^\//, "");
  }

  /** The URL of `path`'s content: `<base>assets/<name>-<hash>.<ext>`, the same for the same bytes. */
  emit(path: string, bytes: Uint8Array): string {
    const name = path.slice(path.lastIndexOf("/") + 1);
    const dot = name.lastIndexOf(".");
    const stem = (dot > 0 ? name.slice(0, dot) : name).replace(/[^\w.-]/g, "_");
    const ext = dot > 0 ? name.slice(dot) : "";
    const url = `/assets/${stem}-${contentDigest(bytes)}${ext}`;
    this.files.set(url, bytes);
    return this.base.replace(/\/$/, "") + url;
  }
}

/** `data:<type>;base64,…` of a file, as `?inline` and Vite's small-asset inlining give it. */
export function dataUrl(path: string, bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:${TYPES[extensionOf(path)] ?? "application/octet-stream"};base64,${btoa(binary)}`;
}

/** The module an imported non-code file becomes (CSS and JSON have their own, see css.ts). */
export function assetModule(path: string, query: AssetQuery | undefined, bytes: Uint8Array, emitted: EmittedAssets): string {
  if (query === "raw") return `export default ${JSON.stringify(new TextDecoder().decode(bytes))};\n`;
  if (query === "inline") return `export default ${JSON.stringify(dataUrl(path, bytes))};\n`;
  return `export default ${JSON.stringify(emitted.emit(path, bytes))};\n`;
}

/** The error for an import of a file no loader takes, naming the importer (never a JavaScript syntax error). */
/** Stylesheet languages Vite compiles with a preprocessor the project installs; the build has none yet. */
const PREPROCESSED: Record<string, string> = { scss: "Sass", sass: "Sass", less: "Less", styl: "Stylus", stylus: "Stylus" };

export function unloadableMessage(specifier: string, importer: string): string {
  const ext = extensionOf(splitQuery(specifier).path);
  const language = PREPROCESSED[ext];
  if (language)
    return `${importer} imports "${specifier}": ${language} stylesheets (.${ext}) are not supported by the build yet; write the styles as CSS (.css files, CSS modules and @import work).`;
  return (
    `${importer} imports "${specifier}", a .${ext || "(no extension)"} file the build cannot load as a module. ` +
    `Add ?raw to import its text, or ?url for its URL.`
  );
}

/** The public directory's files, served at the root byte for byte (its path, or nothing for `publicDir: false`). */
export function publicAssets(files: Map<string, Uint8Array>, layout: ViteLayout): Record<string, Uint8Array> {
  const assets: Record<string, Uint8Array> = {};
  const dir = layout.publicDir;
  if (dir !== null) for (const [path, bytes] of files) if (path.startsWith(dir)) assets[`/${path.slice(dir.length)}`] = bytes;
  return assets;
}
