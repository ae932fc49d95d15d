import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, normalize } from "node:path";
import { expect, it } from "vitest";

// A clone must hold every document its files point to: Markdown links (and their
// #anchors) in the docs, and mentions of Markdown files in the docs and in code comments.
const tracked = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { encoding: "utf8" })
  .split("\n")
  .filter(Boolean);
const present = tracked.filter((file) => existsSync(file));
const markdownNames = new Set(present.filter((file) => file.endsWith(".md")).map((file) => basename(file)));

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces as hyphens. */
function anchors(markdown: string): Set<string> {
  const headings = [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((match) => match[1]!);
  return new Set(
    headings.map((heading) =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replaceAll(" ", "-"),
    ),
  );
}

function prose(file: string): string {
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".md")) return text;
  // Code: only its comments, since test fixtures name files of their own projects.
  return [...text.matchAll(/\/\/.*$|\/\*[\s\S]*?\*\//gm)].map((match) => match[0]).join("\n");
}

it("refers to no document the repository does not contain", () => {
  const broken: string[] = [];
  for (const file of present.filter((name) => /\.(md|ts|tsx|mjs|toml)$/.test(name))) {
    const text = prose(file);
    for (const [, name] of text.matchAll(/([\w./-]*\w\.md)\b/g)) {
      // A path is read from the repository's root or the file's folder; a bare name may be anywhere.
      const found = name!.includes("/") ? existsSync(name!) || existsSync(join(dirname(file), name!)) : markdownNames.has(name!);
      if (!found) broken.push(`${file}: ${name}`);
    }
    if (!file.endsWith(".md")) continue;
    // Links in the prose, not in code blocks or code spans (where a regex can look like one).
    const links = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
    for (const [, target] of links.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, anchor] = target!.split("#") as [string, string | undefined];
      const resolved = path === "" ? file : normalize(join(dirname(file), path));
      if (!existsSync(resolved)) broken.push(`${file}: link to ${target}`);
      else if (anchor && resolved.endsWith(".md") && !anchors(readFileSync(resolved, "utf8")).has(anchor))
        broken.push(`${file}: no #${anchor} in ${resolved}`);
    }
  }
  expect(broken).toEqual([]);
});
