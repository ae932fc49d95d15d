import type SandboxHost from "./host/worker";
import type { SandboxStop } from "./host/worker";
import { SandboxStopped, type SandboxRuntime, type SandboxWorker } from "./runtime";

/**
 * The runtime of `npm start`: workers run in a process of their own
 * (scripts/sandbox-supervisor.mjs), which the supervisor kills and starts
 * again when it stops answering (a loop) or outgrows its memory. A call that
 * was under way then fails here, and is told apart by when it was sent: the
 * supervisor says since when the process stopped answering, so a call sent
 * after that cannot have caused it and is sent again at once (when it is
 * safe to repeat: GET and HEAD, test runs). Of the calls sent before, one
 * alone caused it and gets a SandboxStopped naming the limit; several are
 * sent again one at a time, and the one that stops the process again is the
 * cause, so another project's preview never fails for it.
 */
export class RemoteSandbox implements SandboxRuntime {
  private nextCall = 0;
  /** Calls under way, and when each was sent. */
  private readonly calls = new Map<number, number>();
  /** The calls the last stop of the process cut off, and when each was sent. */
  private loss: Map<number, number> | null = null;
  /** Until when a call sent again after a stop has the process to itself (see `alone`). */
  private aloneUntil = 0;

  constructor(private readonly service: Service<SandboxHost>) {}

  async fetch(worker: SandboxWorker, request: Request): Promise<Response> {
    const replayable = request.method === "GET" || request.method === "HEAD" || worker.replayable === true;
    const copy = () => (replayable ? request.clone() : request);
    const send = () => this.service.fetchWorker(worker.id, worker.grant, copy(), async () => worker.code());
    let outcome = await this.call(send);
    // Sent after the process stopped answering: not the cause, so sent again as it was (twice at most).
    for (let again = 0; !outcome.ok && outcome.innocent && replayable && again < 2; again++) outcome = await this.call(send);
    if (!outcome.ok && !outcome.alone && !outcome.innocent && replayable) {
      // Cut off with others: sent again on its own, so a call that stops the process again is the one that did.
      outcome = await this.alone(() => this.call(send, true));
      if (!outcome.ok) outcome = { ...outcome, alone: true, innocent: false };
    }
    if (outcome.ok) return outcome.value as Response;
    throw stopped(worker.subject, outcome);
  }

  async evaluate(code: WorkerLoaderWorkerCode, cpuMs: number, dispatchers: object, connectors: object): Promise<unknown> {
    // Never sent again: the code may have changed the draft before the process was stopped.
    const outcome = await this.call(() => this.service.evaluate(code, cpuMs, dispatchers, connectors));
    if (outcome.ok) return outcome.value;
    throw stopped("The code", outcome);
  }

  /**
   * One call into the process. A process that is starting (after a stop, or
   * with the server) is waited for and the call made then; a call the
   * process's stop cut off comes back as not ok, with the stop's reason,
   * whether it was sent after the process stopped answering (`innocent`),
   * and whether it was the only call sent before (`alone`: it caused it).
   */
  private async call(
    send: () => Promise<unknown>,
    solo = false,
  ): Promise<{ ok: true; value: unknown } | { ok: false; message: string; alone: boolean; innocent: boolean }> {
    const deadline = Date.now() + STARTING_WAIT_MS;
    // While a call sent again has the process to itself, the others wait for it.
    if (!solo) await this.until(() => this.aloneUntil <= Date.now(), deadline);
    for (;;) {
      const id = this.nextCall++;
      // workerd's clock stands still between I/O, so this is at most the time the call is sent: never later.
      const startedAt = Date.now();
      this.calls.set(id, startedAt);
      try {
        return { ok: true, value: await send() };
      } catch (error) {
        if (isUnavailable(error) && Date.now() < deadline) {
          this.calls.delete(id);
          await this.ready(deadline);
          continue;
        }
        if (!isCutOff(error)) throw error;
        if (!this.loss?.has(id)) this.loss = new Map(this.calls);
        const loss = this.loss;
        this.calls.delete(id);
        const stop = await this.ready(Date.now() + STARTING_WAIT_MS);
        // A stop before this call began (or none) means the error was the app's own.
        if (!stop || stop.at < startedAt - CLOCK_SLACK_MS) throw error;
        const suspects = [...loss].filter(([, sentAt]) => stop.since === undefined || sentAt <= stop.since + SEND_SLACK_MS);
        const innocent = !suspects.some(([call]) => call === id);
        return { ok: false, message: describe(stop), alone: !innocent && suspects.length <= 1, innocent };
      } finally {
        this.calls.delete(id);
      }
    }
  }

  /**
   * Runs calls sent again after a stop one at a time. The turn is a lease
   * polled for, not a shared promise: requests of different contexts must
   * not wait on each other's promises in workerd, and a request that is
   * cancelled mid-call must not hold the turn for ever.
   */
  private async alone<T>(run: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + STARTING_WAIT_MS;
    await this.until(() => this.aloneUntil <= Date.now(), deadline);
    this.aloneUntil = Date.now() + STARTING_WAIT_MS;
    try {
      await this.until(() => this.calls.size === 0, deadline);
      return await run();
    } finally {
      this.aloneUntil = 0;
    }
  }

  private async until(condition: () => boolean, deadline: number): Promise<void> {
    while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** Waits until the process answers again; its last stop, if any. */
  private async ready(deadline: number): Promise<SandboxStop | null> {
    for (;;) {
      try {
        return (await this.service.status()).lastStop;
      } catch (error) {
        if (Date.now() >= deadline)
          throw new SandboxStopped(`The sandbox runtime did not come back within ${STARTING_WAIT_MS / 1000} s: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

/** How long a call waits for a process that is starting (the supervisor starts one in well under a second). */
const STARTING_WAIT_MS = 15_000;
/** The supervisor's clock and this isolate's may differ a little (workerd's advances only with I/O). */
const CLOCK_SLACK_MS = 2_000;
/**
 * How long after the supervisor sent its unanswered heartbeat a call may
 * still have reached the process before it (and so be the cause): the
 * heartbeat's way into the process, on a busy machine.
 */
const SEND_SLACK_MS = 50;

/** The process was stopped under the call (the connection to it broke). */
function isCutOff(error: unknown): boolean {
  return /Network connection lost|disconnected|connection reset|socket hang up/i.test(String(error));
}

/** No process to call: it is being started, so the call never reached it. */
function isUnavailable(error: unknown): boolean {
  return /not found|Couldn't find a local dev session|connection refused|ECONNREFUSED/i.test(String(error));
}

/** The error of a call the stop cut off: its own limit, or (cut off with others) the one another call ran past. */
function stopped(subject: string, outcome: { message: string; alone: boolean }): SandboxStopped {
  if (outcome.alone) return new SandboxStopped(`${subject} ${outcome.message}`);
  return new SandboxStopped(
    `${subject} was stopped with the sandbox, which another call ${outcome.message.replace(/^exceeded its/, "ran past its")}`,
  );
}

/** The stop as the caller's error: which limit, and what usually causes it. */
function describe(stop: SandboxStop): string {
  switch (stop.kind) {
    case "stalled":
      return `exceeded its CPU limit: it ran for ${stop.detail} ms without yielding (SANDBOX_STALL_MS); a loop that never yields?`;
    case "memory":
      return `exceeded its memory limit: the sandbox grew to ${stop.detail} MB (SANDBOX_MEMORY_MB); an allocation without end?`;
    default:
      return `was stopped: the sandbox runtime exited (${stop.detail}) while it ran; out of memory?`;
  }
}
