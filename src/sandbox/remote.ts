import type SandboxHost from "./host/worker";
import type { SandboxStop } from "./host/worker";
import type { DatabaseView } from "../project/app-database";
import { type DatabaseQuery, type SandboxCode, SandboxStopped, type SandboxRuntime, type SandboxWorker } from "./runtime";

/**
 * The runtime of `npm start`: workers run in a process of their own
 * (scripts/sandbox-supervisor.mjs), which the supervisor kills and starts
 * again when it stops answering (a loop) or outgrows its memory. A call that
 * was under way then fails here, and is told apart by whether its code ever
 * ran: the process reports each call just before it runs the call's code
 * (SandboxGateway.began), and the supervisor says since when the process
 * stopped answering. A call that never began, or was sent after that, cannot
 * have caused it and is sent again at once when that is safe: GET and HEAD,
 * test runs, and any call (a POST, `execute`) whose code never began. Of
 * the others (the suspects), one alone caused it and gets a SandboxStopped naming the limit; several are sent again one at
 * a time, the one whose code began last (the likeliest cause) last: a
 * suspect that stops the process again, or is left when all the others were
 * served, is the cause, so another project's preview never fails for it.
 */
export class RemoteSandbox implements SandboxRuntime {
  /** Calls under way, and when each was sent. */
  private readonly calls = new Map<number, number>();
  /** The calls the last stop of the process cut off. */
  private loss: Loss | null = null;
  /** Workers known to have caused a stop: until when each is answered its error without running. */
  private readonly barred = new Map<string, { until: number; message: string }>();
  /** Until when a call sent again after a stop has the process to itself (see `alone`). */
  private aloneUntil = 0;

  constructor(private readonly service: Service<SandboxHost>) {}

  /** The sandbox process keeps the apps' D1 databases (see host/worker.ts). */
  dropDatabase(projectId: string, testRun: string, binding: string): Promise<void> {
    return this.service.dropDatabase(projectId, testRun, binding);
  }

  inspectDatabase(projectId: string, binding: string, query: DatabaseQuery): Promise<DatabaseView | null> {
    return this.service.inspectDatabase(projectId, binding, query);
  }

  async fetch(worker: SandboxWorker, request: Request): Promise<Response> {
    const bar = this.barred.get(worker.id);
    if (bar && bar.until > Date.now()) throw new SandboxStopped(bar.message);
    const replayable = request.method === "GET" || request.method === "HEAD" || worker.replayable === true;
    // Any other request may be sent again only if its code never ran, so its body is kept for that (when small).
    const resendable =
      replayable || request.body === null || Number(request.headers.get("content-length") ?? Infinity) <= RESEND_BODY_BYTES;
    let next: Request | null = request;
    const send = (call: string) => {
      const sending = next ?? request;
      next = resendable ? sending.clone() : null;
      return this.service.fetchWorker(worker.id, worker.grant, sending, async () => handedOver(call, worker.code()), call);
    };
    let outcome = await this.call(send);
    // Never began, or sent after the process stopped answering: not the cause, so sent again as it was (twice at most).
    // A request that may not be repeated is sent again only when its code never began.
    for (let again = 0; !outcome.ok && outcome.innocent && (replayable || (outcome.unran && next)) && again < 2; again++)
      outcome = await this.call(send);
    if (!outcome.ok && !outcome.alone && !outcome.innocent && replayable) {
      // Cut off with others: sent again on its own, so a call that stops the process again is the one that did.
      const { loss, call } = outcome;
      let served = false;
      try {
        // Null: every other suspect was served on its own, so this one caused it (and is not sent again).
        const again = await this.alone(loss, call, () => this.call(send, true));
        served = again?.ok === true;
        outcome = again ?? { ...outcome, alone: true };
      } finally {
        loss.settle(call, served);
      }
      // Stopped the process again on its own: known to be the cause.
      if (!outcome.ok && outcome.loss !== loss && outcome.alone) this.bar(worker, outcome);
    } else if (!outcome.ok) {
      outcome = await this.verdict(outcome);
      if (outcome.alone) this.bar(worker, outcome);
    }
    if (outcome.ok) return outcome.value as Response;
    throw stopped(worker.subject, outcome);
  }

  /**
   * A worker known to have caused a stop (the only call that ran, or it
   * stopped the process again on its own) is answered its error for a while
   * without running it: a page that keeps asking for it costs no more stops.
   * A new version is a new worker, and runs at once.
   */
  private bar(worker: SandboxWorker, outcome: { message: string }): void {
    const now = Date.now();
    for (const [id, { until }] of this.barred) if (until <= now) this.barred.delete(id);
    const message = `${stopped(worker.subject, { message: outcome.message, alone: true }).message} It is answered this error for ${BAR_MS / 1000} s without running again; a new version runs at once.`;
    this.barred.set(worker.id, { until: now + BAR_MS, message });
  }

  async evaluate(code: WorkerLoaderWorkerCode, cpuMs: number, dispatchers: object, connectors: object): Promise<unknown> {
    // Sent again only when its code never began: once it ran, it may have changed the draft.
    const send = (call: string) => this.service.evaluate(code, cpuMs, dispatchers, connectors, call);
    let outcome = await this.call(send);
    for (let again = 0; !outcome.ok && outcome.innocent && outcome.unran && again < 2; again++) outcome = await this.call(send);
    if (outcome.ok) return outcome.value;
    throw stopped("The code", await this.verdict(outcome));
  }

  /**
   * The end of a cut-off call that is not sent again. A suspect among others
   * waits while they are sent again on their own: if every one of them was
   * served, it caused the stop.
   */
  private async verdict<T extends { alone: boolean; innocent: boolean; loss: Loss; call: number }>(outcome: T): Promise<T> {
    const { loss, call } = outcome;
    loss.settle(call, false);
    if (outcome.alone || outcome.innocent) return outcome;
    await this.until(() => loss.othersSettled(call), Date.now() + STARTING_WAIT_MS);
    return loss.othersServed(call) ? { ...outcome, alone: true } : outcome;
  }

  /**
   * One call into the process (`send` passes the process the call's name,
   * for SandboxGateway.began). A process that is starting (after a stop, or
   * with the server) is waited for and the call made then; a call the
   * process's stop cut off comes back as not ok, with the stop's reason,
   * whether it cannot have caused it (`innocent`: its code never began, or
   * it was sent after the process stopped answering), and whether it was the
   * only call that could (`alone`: it caused it), and whether its code is
   * known never to have run (`unran`: safe to send again whatever it does).
   */
  private async call(send: (call: string) => Promise<unknown>, solo = false): Promise<{ ok: true; value: unknown } | Cut> {
    const deadline = Date.now() + STARTING_WAIT_MS;
    // While a call sent again has the process to itself, the others wait for it.
    if (!solo) await this.until(() => this.aloneUntil <= Date.now(), deadline);
    for (;;) {
      const id = nextCall++;
      // workerd's clock stands still between I/O, so this is at most the time the call is sent: never later.
      const startedAt = Date.now();
      this.calls.set(id, startedAt);
      try {
        return { ok: true, value: await send(`${isolateMark()}:${id}`) };
      } catch (error) {
        if (isUnavailable(error) && Date.now() < deadline) {
          this.calls.delete(id);
          await this.ready(deadline);
          continue;
        }
        if (!isCutOff(error)) throw error;
        if (!this.loss?.cut(id)) this.loss = new Loss(this.calls);
        const loss = this.loss;
        this.calls.delete(id);
        const stop = await this.ready(Date.now() + STARTING_WAIT_MS);
        // A stop before this call began (or none) means the error was the app's own.
        if (!stop || stop.at < startedAt - CLOCK_SLACK_MS) throw error;
        const suspects = loss.suspects(stop);
        const innocent = !suspects.includes(id);
        const alone = !innocent && suspects.length <= 1;
        return { ok: false, message: describe(stop), alone, innocent, unran: loss.unran(id), loss, call: id };
      } finally {
        this.calls.delete(id);
        begun.delete(id);
      }
    }
  }

  /**
   * Runs the suspects of a stop again one at a time, in their `loss`'s order.
   * The turn is a lease polled for, not a shared promise: requests of
   * different contexts must not wait on each other's promises in workerd, and
   * a request that is cancelled mid-call must not hold the turn for ever.
   */
  private async alone<T>(loss: Loss, call: number, run: () => Promise<T>): Promise<T | null> {
    const deadline = Date.now() + STARTING_WAIT_MS;
    await this.until(() => this.aloneUntil <= Date.now() && loss.turnOf(call), deadline);
    if (loss.othersServed(call)) return null;
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

/**
 * The calls one stop of the process cut off. The suspects among them (those
 * that may have caused it) are sent again in the order their code began:
 * the code that began last most likely has the thread still, so the others
 * go first and are served after one stop, not two.
 */
class Loss {
  private readonly calls: Map<number, { sentAt: number; began: number | undefined }>;
  private order: number[] | null = null;
  private readonly settled = new Set<number>();
  private readonly served = new Set<number>();

  constructor(calls: Map<number, number>) {
    this.calls = new Map([...calls].map(([call, sentAt]) => [call, { sentAt, began: begun.get(call) }]));
  }

  cut(call: number): boolean {
    return this.calls.has(call);
  }

  /**
   * The call's code never ran: the process reports a call (and waits for the
   * report to be taken) before it runs its code, so a call not reported did
   * not run; trusted once reports are known to reach this isolate.
   */
  unran(call: number): boolean {
    return beganCount > 0 && this.calls.get(call)?.began === undefined;
  }

  /** The calls that may have caused `stop`, earliest to begin first. */
  suspects(stop: SandboxStop): number[] {
    if (this.order) return this.order;
    // Outgrown slowly (recycled): no call caused it.
    const sent =
      stop.kind === "recycled"
        ? []
        : [...this.calls].filter(([, { sentAt }]) => stop.since === undefined || sentAt <= stop.since + SEND_SLACK_MS);
    // None of them began: the process stopped before any code ran (or did not report), so the report tells nothing.
    const ran = sent.filter(([, { began }]) => began !== undefined);
    const suspects = ran.length > 0 ? ran : sent;
    this.order = suspects.sort(([, a], [, b]) => (a.began ?? a.sentAt) - (b.began ?? b.sentAt)).map(([call]) => call);
    return this.order;
  }

  /** Whether a suspect may be sent again: every suspect before it is settled (served, failed or given up). */
  turnOf(call: number): boolean {
    const order = this.order ?? [];
    return order.slice(0, Math.max(order.indexOf(call), 0)).every((before) => this.settled.has(before));
  }

  /** `served`: it ran to its end on its own, so did not cause the stop. */
  settle(call: number, served: boolean): void {
    this.settled.add(call);
    if (served) this.served.add(call);
  }

  othersSettled(call: number): boolean {
    return (this.order ?? []).every((other) => other === call || this.settled.has(other));
  }

  /** Every other suspect was served on its own: `call` is the one left that can have caused the stop. */
  othersServed(call: number): boolean {
    const order = this.order ?? [];
    return order.length > 1 && order.every((other) => other === call || this.served.has(other));
  }
}

/** A call the process's stop cut off (see `RemoteSandbox.call`). */
type Cut = { ok: false; message: string; alone: boolean; innocent: boolean; unran: boolean; loss: Loss; call: number };

/** Calls are numbered per isolate; the process names them back with this isolate's mark (SandboxGateway.began). */
let isolate: string | undefined;
/** Made at first use: workerd gives no random values at a module's top level. */
const isolateMark = () => (isolate ??= crypto.randomUUID());
let nextCall = 0;
/** Calls under way the process reported: the order in which their code began. */
const begun = new Map<number, number>();
let beganCount = 0;

/**
 * A call's worker code, as it is handed to the process: the module's
 * top-level code runs as soon as it arrives, so the call counts as begun
 * again from here (later than its report before the fetch, which came before
 * the code was asked for).
 */
function handedOver(call: string, code: SandboxCode): SandboxCode {
  callBegan(call);
  return code;
}

/** The sandbox process is about to run a call's code (SandboxGateway.began). */
export function callBegan(call: string): void {
  const [mark, id] = call.split(":");
  if (mark === isolate) begun.set(Number(id), beganCount++);
}

/** How long a worker known to have caused a stop is answered its error without running (see `bar`). */
const BAR_MS = 10_000;
/** The largest body of a request that may not be repeated (a POST) kept to send it again if its code never ran. */
const RESEND_BODY_BYTES = 1024 * 1024;
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
  if (outcome.alone || !outcome.message.startsWith("exceeded its")) return new SandboxStopped(`${subject} ${outcome.message}`);
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
    case "recycled":
      return `was cut off: the sandbox process was started afresh to free memory (it held ${stop.detail} MB of loaded workers, past SANDBOX_MEMORY_MB); send it again.`;
    default:
      return `was stopped: the sandbox runtime exited (${stop.detail}) while it ran; out of memory?`;
  }
}
