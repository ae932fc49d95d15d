/**
 * `import.meta.env` as `vite build` gives it: MODE "production", DEV false,
 * PROD true, SSR false, BASE_URL, and the `VITE_*` variables of the project's
 * .env files (`.env`, `.env.local`, `.env.production`, `.env.production.local`,
 * later files winning). Other variables stay out of client code, as in Vite.
 */
export function viteEnv(read: (path: string) => string | null, base = "/"): Record<string, string | boolean> {
  const env: Record<string, string | boolean> = {};
  for (const file of [".env", ".env.local", ".env.production", ".env.production.local"]) {
    const text = read(file);
    if (text === null) continue;
    for (const [name, value] of Object.entries(parseDotenv(text))) if (name.startsWith("VITE_")) env[name] = value;
  }
  return { ...env, BASE_URL: base, MODE: "production", DEV: false, PROD: true, SSR: false };
}

/** esbuild `define`s for `import.meta.env` and each of its members. */
export function envDefines(env: Record<string, string | boolean>): Record<string, string> {
  const defines: Record<string, string> = { "import.meta.env": JSON.stringify(env) };
  for (const [name, value] of Object.entries(env))
    if (/^[A-Za-z_$][\w$]*$/.test(name)) defines[`import.meta.env.${name}`] = JSON.stringify(value);
  return defines;
}

/** The dotenv format Vite reads: `KEY=value`, optional `export`, quotes, `#` comments. */
export function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const line = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*('(?:\\'|[^'])*'|"(?:\\"|[^"])*"|`(?:\\`|[^`])*`|[^#\r\n]*)?\s*(?:#.*)?$/gm;
  for (const match of text.matchAll(line)) {
    let value = (match[2] ?? "").trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === "`") && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    }
    values[match[1]!] = value;
  }
  return values;
}
