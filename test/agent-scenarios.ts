// The fake model's scenarios for test/agent.test.ts (Node side, see fake-anthropic.ts).
import { defineScenario, type Step } from "./fake-anthropic.ts";

const text = (value: string) => ({ type: "text" as const, text: value });
let ids = 0;
const use = (name: string, input: unknown) => ({
  type: "tool_use" as const,
  id: `toolu_fake${String(++ids).padStart(4, "0")}${name.slice(0, 3)}`,
  name,
  input,
});
const editor = (input: Record<string, unknown>) => use("str_replace_based_edit_tool", input);
const buildAndTest = () => use("build_and_test", {});
const done = (value = "Done."): Step => ({ content: [text(value)] });

const BROKEN = 'export default { fetch: () => new Response("hi" };\n';

// A build error, read and fixed, then a passing build.
defineScenario("fix-build", [
  { content: [text("I'll write the server."), editor({ command: "create", path: "src/index.ts", file_text: BROKEN })] },
  { content: [buildAndTest()] },
  ({ toolResults }) => {
    const failed = String(toolResults[0]?.content).includes('"ok":false');
    return {
      content: failed
        ? [
            text("A syntax error; fixing it."),
            editor({ command: "str_replace", path: "/src/index.ts", old_str: 'new Response("hi" }', new_str: 'new Response("hi") }' }),
          ]
        : [text("unexpected")],
    };
  },
  { content: [buildAndTest()] },
  done("Fixed the syntax error; the build passes."),
]);

// Two tool calls in one message: both results come back in order, in one user message.
defineScenario("parallel", [
  {
    content: [
      editor({ command: "view", path: "a.txt" }),
      editor({ command: "create", path: "b.txt", file_text: "bee\n" }),
      editor({ command: "view", path: "missing.txt" }),
    ],
  },
  done(),
]);

// str_replace with zero and with two matches: errors naming the count.
defineScenario("str-replace-counts", [
  {
    content: [
      editor({ command: "str_replace", path: "a.txt", old_str: "line tow", new_str: "x" }),
      editor({ command: "str_replace", path: "a.txt", old_str: "same", new_str: "x" }),
    ],
  },
  done(),
]);

// Overload, rate limit with retry-after, and a stream cut mid-message (after its tool call began): each recovered, the tool run once.
defineScenario("flaky", [
  {
    failFirst: [
      { status: 529, type: "overloaded_error" },
      { status: 429, type: "rate_limit_error", retryAfter: 1 },
    ],
    content: [text("Writing a file."), editor({ command: "create", path: "flaky.txt", file_text: "once\n" })],
  },
  {
    cut: 6,
    content: [
      text("Now a second file, with a longer explanation so the stream is cut in the middle of the tool call."),
      editor({ command: "create", path: "second.txt", file_text: "two\n" }),
    ],
  },
  done(),
]);

// A slow second model call, during which the user cancels.
defineScenario("cancel", [
  { content: [editor({ command: "create", path: "first.txt", file_text: "kept\n" })] },
  { delayMs: 1500, content: [editor({ command: "create", path: "never.txt", file_text: "x\n" })] },
  done(),
]);

// A model that never stops asking for tools: bounded by the turn's budgets.
const forever: Step = { content: [editor({ command: "view", path: "/" })], outputTokens: 400, delayMs: 300 };
defineScenario(
  "forever",
  Array.from({ length: 40 }, () => forever),
);

// The same build error every time: the stuck rule ends the turn.
defineScenario("stuck", [
  { content: [editor({ command: "create", path: "src/index.ts", file_text: BROKEN })] },
  ...Array.from({ length: 6 }, () => ({ content: [buildAndTest()] })),
]);

// execute: code that writes and then throws leaves the draft as it was; code that succeeds keeps its writes.
defineScenario("execute", [
  {
    content: [
      use("execute", {
        code: 'async () => { await state.writeFile("/thrown.txt", "no"); await state.writeFile("/a.txt", "changed"); throw new Error("boom"); }',
      }),
    ],
  },
  {
    content: [
      use("execute", {
        code: 'async () => { await state.writeFile("/kept.txt", "yes"); console.log("wrote"); const res = await preview.fetch("/hello"); return { status: res.status, body: await res.text() }; }',
      }),
    ],
  },
  {
    content: [use("execute", { code: 'async () => { await state.writeFile("/node_modules/x.js", "no"); return "wrote node_modules"; }' })],
  },
  { content: [use("execute", { code: 'async () => { await state.symlink("/a.txt", "/link.txt"); return "linked"; }' })] },
  done(),
]);

// Edits a commit would refuse come back as errors; the turn goes on.
defineScenario("refused-edit", [
  {
    content: [
      editor({ command: "create", path: "big.txt", file_text: "x".repeat(70_000) }),
      editor({ command: "create", path: "a.txt/inside.txt", file_text: "x" }),
    ],
  },
  { content: [editor({ command: "create", path: "fine.txt", file_text: "fine\n" })] },
  done(),
]);

// An execute that takes a while: the server can be stopped in the middle of it.
defineScenario("slow-execute", [
  {
    content: [
      use("execute", {
        code: 'async () => { await state.writeFile("/partial.txt", "1"); await new Promise((r) => setTimeout(r, 1500)); await state.writeFile("/partial2.txt", "2"); return "both"; }',
      }),
    ],
  },
  done(),
]);

// execute cannot reach the network or the host's env.
defineScenario("execute-sandbox", [
  {
    content: [
      use("execute", {
        code: `async () => {
  let network;
  try { await fetch("https://echo.example.test/"); network = "reached"; } catch (error) { network = "blocked: " + error.message; }
  return { network, env: typeof env, token: typeof globalThis.API_TOKEN, process: typeof process === "undefined" ? "none" : JSON.stringify(Object.keys(process.env ?? {})) };
}`,
      }),
    ],
  },
  done(),
]);

// Work the host does for execute's code, given hostile input: patterns that backtrack
// for ever on backtracking engines, a decompression bomb, writes past the limits.
defineScenario("state-bounds", [
  {
    content: [
      use("execute", {
        code: `async () => {
  const out = {};
  const attempt = async (name, run) => { try { out[name] = await run(); } catch (error) { out[name] = "error: " + error.message; } };
  await state.writeFile("/src/app.ts", "const a = 1;\\nconst b = 2;\\n");
  await state.writeFile("/src/deep/x.ts", "x");
  await state.writeFile("/b.txt", "b");
  await state.writeFile("/" + "a".repeat(40) + "!.txt", "a".repeat(40) + "!");
  await attempt("globStars", () => state.glob("/" + "*a".repeat(20) + "*b"));
  await attempt("globBraces", () => state.glob("{(a+)+$,b}.txt"));
  await attempt("globBraceGlobs", () => state.glob("src/**/{*.ts,*.tsx}"));
  await attempt("globClass", () => state.glob("[ab].txt"));
  await attempt("findName", () => state.find("/", { name: "*a".repeat(20) + "*b" }).then((found) => found.map((entry) => entry.path)));
  await attempt("searchBomb", () => state.searchFiles("/**", "^(a+)+$", { regex: true }));
  await attempt("searchWords", () => state.searchFiles("src/**", "const [ab]", { regex: true }).then((hits) => hits.map((hit) => [hit.path, hit.matches.map((m) => m.line + ":" + m.column + ":" + m.match)])));
  await attempt("searchLookahead", () => state.searchText("/b.txt", "b(?=x)", { regex: true }));
  await attempt("searchEmpty", () => state.searchText("/b.txt", ""));
  await state.writeFile("/many.txt", "a\\n".repeat(20000));
  await attempt("searchFlood", () => state.searchText("/many.txt", "a"));
  await attempt("searchSome", () => state.searchText("/many.txt", "a", { maxMatches: 3 }).then((found) => found.length));
  await state.rm("/many.txt");
  await attempt("replace", () => state.replaceInFiles("src/*.ts", "const (a|b)", "let v", { regex: true }).then((r) => r.totalReplacements));
  await attempt("replaced", () => state.readFile("/src/app.ts"));
  const zeros = new Blob([new Uint8Array(1024 * 1024)]).stream().pipeThrough(new CompressionStream("gzip"));
  await state.writeFileBytes("/bomb.gz", new Uint8Array(await new Response(zeros).arrayBuffer()));
  await attempt("decompress", () => state.decompressFile("/bomb.gz", "/bomb"));
  await attempt("bombWritten", () => state.exists("/bomb"));
  await attempt("bigWrite", () => state.writeFile("/big.txt", "x".repeat(70000)));
  await state.rm("/bomb.gz");
  await state.rm("/" + "a".repeat(40) + "!.txt");
  return out;
}`,
      }),
    ],
  },
  done(),
]);

// An execute that turns off its own time limit (codemode's timer is a setTimeout in the sandbox)
// and never settles, a timer keeping it alive (else the runtime ends it as hung).
defineScenario("execute-forever", [
  {
    content: [
      use("execute", { code: "async () => { globalThis.setTimeout = () => 0; await new Promise(() => setInterval(() => {}, 100)); }" }),
    ],
  },
  done(),
]);

// A build whose project test takes a while: the server can be stopped in the middle of it.
defineScenario("slow-build", [{ content: [buildAndTest()] }, done()]);

// The draft's app answers preview.fetch with a body that never ends: the host reads a bounded part.
defineScenario("preview-flood", [
  {
    content: [
      use("execute", {
        code: 'async () => { try { await preview.fetch("/flood"); return "read it all"; } catch (error) { return "error: " + error.message; } }',
      }),
    ],
  },
  done(),
]);
