import { spawn } from "node:child_process";

/**
 * Runs a command (curl, git, a README block through bash) and resolves with its
 * standard output. Past `timeoutMs` its whole process group is killed and the call
 * fails with what it printed so far.
 *
 * Never execFileSync here: while a synchronous call runs, this process reads none of
 * its servers' output pipes. A server whose log then fills its pipe blocks on its
 * next write, and a command waiting on that server (a streaming curl) waits forever.
 */
export function run(file: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const child = spawn(file, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(stdout);
      const why = timedOut ? `still running after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
      reject(new Error(`${file} ${args.join(" ").slice(0, 200)}: ${why}\n${stderr}\n--- its output ---\n${stdout.slice(-4000)}`));
    });
  });
}
