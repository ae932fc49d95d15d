import type { BuildError } from "../bundler";

/** The page a preview shows when its version does not build: every error with its location. */
export function buildErrorPage(version: string, errors: BuildError[]): Response {
  const items = errors
    .map((error) => {
      const where = [error.file, error.line, error.column].filter((part) => part !== undefined).join(":");
      return `<li>${where ? `<code>${escapeHtml(where)}</code> ` : ""}<pre>${escapeHtml(error.message)}</pre></li>`;
    })
    .join("\n");
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Build failed</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:50rem;padding:0 1rem;color:#1f2328}
h1{color:#cf222e}li{margin:.75rem 0}pre{white-space:pre-wrap;margin:.25rem 0;background:#f6f8fa;padding:.5rem;border-radius:4px}</style>
</head>
<body>
<h1>Build failed</h1>
<p>${escapeHtml(version)} could not be built (${errors.length} error${errors.length === 1 ? "" : "s"}):</p>
<ol>
${items}
</ol>
</body>
</html>
`;
  return new Response(body, { status: 502, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page a preview origin shows for an unknown project or version. */
export function notFoundPage(message: string): Response {
  return new Response(`<!doctype html><title>Not found</title><h1>Not found</h1><p>${escapeHtml(message)}</p>\n`, {
    status: 404,
    headers: { "Content-Type": "text/html; charset=utf-8" },
  });
}
