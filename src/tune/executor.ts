/**
 * Runs a study's trials: the loop behind `study.optimize`, in this thread or,
 * the caviar way, in worker threads.
 *
 * The loop keeps `concurrency` slots busy. Each slot asks the study for a
 * trial (within the budget), runs the objective, tells the result, and
 * reports the finished trial as it finishes (`onTrialComplete`). A function
 * objective runs in this thread; a module objective `{ module, exportName }`
 * runs in a pool of worker threads, one per slot, each loading the module
 * once.
 *
 * Sampling stays in this thread, so the sampler sees every trial: a worker's
 * `suggest` and `shouldPrune` are synchronous round trips (the worker blocks
 * on `Atomics.wait` until this thread answers on the trial's port), and its
 * reports and result follow on the same port, in order. Each request carries
 * a number, and the worker accepts only the reply with that number (see
 * `RemoteTrial.call` in executor-worker.ts for why a bare wake-up is not
 * enough). A worker that crashes, or that waited `replyTimeoutMs` for a reply
 * in vain, fails its trial (retryable, with the reason) and is replaced.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import { describeError, describeValue } from './describe.js';
import type { Objective, Study, TellResult } from './study.js';
import { isTrialPruned, type StudyTrial } from './trial.js';
import type { Distribution, FrozenTrial } from './types.js';
import type { CommandOutcome, NewCheckpoint, SaveCheckpointOptions } from './storage/storage.js';
import { WORKER_ATTR, workerIdentity } from './worker-identity.js';

/** An objective that worker threads load: an absolute path to a .js (or, under tsx, .ts) module. */
export interface ObjectiveModule {
  readonly module: string;
  /** The export to call; default `objective`, falling back to the default export. */
  readonly exportName?: string;
  /**
   * Data for the objective, passed as its second argument: `objective(trial,
   * args)`. Copied into each worker (structured clone), so plain data only.
   */
  readonly args?: unknown;
}

/** Options of `study.optimize` (and `study.stream`). At least one of nTrials, timeoutMs, untilComplete. */
export interface OptimizeOptions {
  /** Trials this call runs (any final state). */
  readonly nTrials?: number;
  /** Start no trial after this many ms; running trials finish. */
  readonly timeoutMs?: number;
  /**
   * With `timeoutMs`: the time a new trial needs at least (ms), asked before
   * each claim; no trial starts when less than this is left. An objective
   * that knows what its trials cost (the experiment objective measures its
   * epochs) keeps the end of the budget from being spent on trials that
   * cannot finish. Default 0.
   */
  readonly startReserveMs?: () => number;
  /**
   * Stop when the whole study (every process sharing it) has this many
   * complete trials; many workers together stop at exactly this number.
   */
  readonly untilComplete?: number;
  /** Trials at once. Default 1 for a function, one per core (`os.availableParallelism()`) for a module. */
  readonly concurrency?: number;
  /**
   * Which errors thrown by the objective fail just their trial (default
   * `true`: all). With `false`, or a list of error classes that does not
   * match, the trial is failed and then the error stops the search.
   */
  readonly catch?: boolean | readonly (abstract new (...args: never[]) => Error)[];
  /** Called as each trial finishes, in whatever state, in order of finishing. */
  readonly onTrialComplete?: (trial: FrozenTrial) => void | Promise<void>;
  /**
   * Called when the search starts waiting on trials that other processes
   * hold running (`untilComplete` counts them, and one may yet fail and free
   * its place): a process killed mid-trial leaves such trials until their
   * heartbeat is older than the study's grace period. Once per wait, with
   * those trials, so a person is told why nothing happens.
   */
  readonly onWait?: (running: readonly FrozenTrial[]) => void;
  /** Abort to start no more trials; running trials finish. */
  readonly signal?: AbortSignal;
  /** Memory limits of each worker thread (module objectives only). */
  readonly resourceLimits?: ResourceLimits;
  /**
   * How long a worker thread's `suggest` or `shouldPrune` waits for this
   * thread's answer before its trial fails (retryable) and the worker is
   * replaced (module objectives only; ms, default 300000). This thread answers
   * between its other work, so only a thread stuck far longer than any sampler
   * runs reaches it.
   */
  readonly replyTimeoutMs?: number;
  /**
   * Stop the search (running trials finish, then `TooManyFailuresError` is
   * thrown) when this many trials in a row, in order of finishing, have
   * failed. A budget of complete trials (`untilComplete`) never ends by
   * itself when every trial fails, say when each one diverges: this bound
   * ends it. Default 20; `Infinity` turns it off.
   */
  readonly maxConsecutiveFailures?: number;
}

/** Default of `OptimizeOptions.maxConsecutiveFailures`. */
export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 20;

/**
 * The search stopped because `maxConsecutiveFailures` trials in a row failed.
 * `reasons` are their failure reasons, oldest first (the last 50 at most).
 *
 * @example
 *   try { await study.optimize(objective, { untilComplete: 100 }); }
 *   catch (e) { if (e instanceof TooManyFailuresError) console.log(e.count, e.reasons.at(-1)); }
 */
export class TooManyFailuresError extends Error {
  override name = 'TooManyFailuresError';
  constructor(
    readonly count: number,
    readonly lastTrial: number,
    readonly reasons: readonly string[],
  ) {
    super(`${count} trials in a row failed, so the search stopped (maxConsecutiveFailures); the last, trial ${lastTrial}: ${reasons.at(-1)}`);
  }
}

/** Default of `OptimizeOptions.replyTimeoutMs`: five minutes, far beyond any sampler's draw. */
const DEFAULT_REPLY_TIMEOUT_MS = 300_000;

/**
 * Runs trials for `study` until the budget in `options` is spent.
 *
 * @example
 *   await runTrials(study, (trial) => trial.suggestFloat('x', 0, 1), { nTrials: 10 });
 */
export async function runTrials(study: Study, objective: Objective | ObjectiveModule, options: OptimizeOptions): Promise<void> {
  const inThread = typeof objective === 'function';
  checkOptions(options, inThread);
  const concurrency = Math.min(options.concurrency ?? (inThread ? 1 : availableParallelism()), options.nTrials ?? Infinity);
  if (concurrency === 0) return;
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const pollMs = study.heartbeatMs > 0 ? Math.min(1000, study.graceMs / 4) : 100;
  let started = 0;
  let fatal: { error: unknown } | undefined;
  // Failed trials since the last one that completed or was pruned, in order of finishing.
  const maxFailures = options.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES;
  let failedInARow = 0;
  const failReasons: string[] = [];
  const count = (t: FrozenTrial): void => {
    // A trial the storage lost (a database crash) says nothing about the objective.
    if (t.systemAttrs.lost === true) return;
    if (t.state === 'complete' || t.state === 'pruned') {
      failedInARow = 0;
      failReasons.length = 0;
    } else if (t.state === 'failed') {
      failedInARow++;
      failReasons.push(String(t.systemAttrs.failReason ?? 'no reason recorded'));
      if (failReasons.length > 50) failReasons.shift();
      if (failedInARow >= maxFailures) fatal ??= { error: new TooManyFailuresError(failedInARow, t.number, [...failReasons]) };
    }
  };
  let exhausted = false;
  const reserve = (): number => (deadline === Infinity || !options.startReserveMs ? 0 : Math.max(0, options.startReserveMs()));
  const stopped = (): boolean => exhausted || fatal !== undefined || options.signal?.aborted === true || Date.now() + reserve() >= deadline;

  // Trials this call runs, and whether it is waiting on other processes' running trials (told once per wait).
  const running = new Set<number>();
  let waiting = false;
  // A trial within budget, or undefined when the budget is spent.
  const next = async (): Promise<StudyTrial | undefined> => {
    for (;;) {
      if (stopped()) return undefined;
      let trial: StudyTrial | undefined;
      try {
        trial = await study.claim(options.untilComplete, options.signal);
      } catch (e) {
        // A grid with every point taken, or a schedule that has run all it plans, is the end of the search, not an error.
        if ((e as Error)?.name === 'GridExhaustedError' || (e as Error)?.name === 'ScheduleCompleteError') {
          exhausted = true;
          return undefined;
        }
        throw e;
      }
      if (trial) {
        waiting = false;
        return trial;
      }
      // Enough trials are complete or running. Done if enough are complete;
      // else wait: a running one may yet fail (or be found dead) and free its place.
      if (study.trials(['complete']).length >= options.untilComplete!) return undefined;
      const others = study.trials(['running']).filter((t) => !running.has(t.number));
      if (!waiting && others.length > 0) {
        waiting = true;
        options.onWait?.(others);
      }
      await sleep(pollMs, options.signal);
      await study.refresh();
      if (study.trials(['complete']).length >= options.untilComplete!) return undefined;
    }
  };

  const pool = inThread
    ? undefined
    : await WorkerPool.start(objective, concurrency, { resourceLimits: options.resourceLimits, replyTimeoutMs: options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS });
  const slot = async (index: number): Promise<void> => {
    // The next trial, when it was claimed together with telling the last one (one storage transaction).
    let carried: StudyTrial | undefined;
    // A trial already claimed counts as running: it runs even if the search was stopped meanwhile.
    while (carried || (!stopped() && started < (options.nTrials ?? Infinity))) {
      if (fatal !== undefined && carried) {
        await study.tell(carried, { state: 'failed', reason: 'the search stopped on an error before this trial ran', retryable: true });
        return;
      }
      // A carried trial's place in the budget was taken when it was claimed.
      if (!carried) started++;
      const trial = carried ?? (await next());
      carried = undefined;
      if (!trial) {
        started--;
        return;
      }
      let result: TellResult;
      let rethrow: { error: unknown } | undefined;
      running.add(trial.number);
      // Who runs it (host, process, slot), for the dashboard's timeline: sent with the trial's first write.
      trial.recordSystemAttr(WORKER_ATTR, workerIdentity(index));
      try {
        const value: unknown = pool ? await pool.run(index, trial) : await (objective as Objective)(trial);
        const described = value instanceof Unreturnable ? value.described : describeValue(value);
        // A number, or one per objective: the study checks them (finite, as many as objectives) when told.
        result =
          typeof value === 'number' || Array.isArray(value)
            ? (value as number | number[])
            : { state: 'failed', reason: `the objective returned ${described}; a trial needs a finite number` };
      } catch (e) {
        if (isTrialPruned(e)) result = { state: 'pruned' };
        else if (e instanceof WorkerCrash) result = { state: 'failed', reason: e.message, retryable: true };
        else {
          result = { state: 'failed', reason: `the objective threw ${describeError(e)}` };
          if (!caught(e, options.catch)) rethrow = { error: e };
        }
      }
      // Going on? Then tell this trial and claim the next in one go. Not when this failure is the one that ends the search.
      const failing =
        typeof result === 'number' ? !Number.isFinite(result) : 'state' in result ? result.state === 'failed' : !result.every(Number.isFinite);
      const lastStraw = failing && failedInARow + 1 >= maxFailures;
      const goOn = !rethrow && !lastStraw && !stopped() && started < (options.nTrials ?? Infinity);
      let finished: FrozenTrial;
      if (goOn) {
        // Take the next trial's place in the budget now: other slots check it while this one awaits.
        started++;
        const told = await study.tellAndClaim(trial, result, options.untilComplete);
        finished = told.finished;
        carried = told.next;
        if (carried) running.add(carried.number);
        else started--;
        if (told.error !== undefined) {
          const name = (told.error as Error)?.name;
          if (name === 'GridExhaustedError' || name === 'ScheduleCompleteError') exhausted = true;
          else fatal ??= { error: told.error };
        }
      } else finished = await study.tell(trial, result);
      running.delete(trial.number);
      if (rethrow) fatal ??= rethrow;
      count(finished);
      try {
        await options.onTrialComplete?.(finished);
      } catch (e) {
        fatal ??= { error: e };
      }
    }
  };
  try {
    // A slot that throws (storage gone) stops the others at their next trial.
    await Promise.all(
      Array.from({ length: concurrency }, (_, i) =>
        slot(i).catch((e: unknown) => {
          fatal ??= { error: e };
        }),
      ),
    );
  } finally {
    await pool?.close();
  }
  if (fatal) throw fatal.error;
}

function checkOptions(options: OptimizeOptions, inThread: boolean): void {
  const { nTrials, timeoutMs, untilComplete, concurrency, replyTimeoutMs, maxConsecutiveFailures } = options;
  if (maxConsecutiveFailures !== undefined && !(maxConsecutiveFailures === Infinity || (Number.isInteger(maxConsecutiveFailures) && maxConsecutiveFailures >= 1))) {
    throw new RangeError(`optimize: maxConsecutiveFailures must be a whole number >= 1 (or Infinity), got ${maxConsecutiveFailures}`);
  }
  for (const [name, v] of Object.entries({ nTrials, timeoutMs, untilComplete, concurrency, replyTimeoutMs })) {
    const durationMs = name.endsWith('Ms');
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && (durationMs || Number.isInteger(v)))) {
      throw new RangeError(`optimize: ${name} must be a ${durationMs ? 'number' : 'whole number'} >= 0, got ${v}`);
    }
  }
  if (replyTimeoutMs === 0) throw new RangeError('optimize: replyTimeoutMs must be more than 0');
  if (concurrency === 0) throw new RangeError('optimize: concurrency must be at least 1');
  if (nTrials === undefined && timeoutMs === undefined && untilComplete === undefined) {
    throw new RangeError('optimize: give a budget: nTrials, timeoutMs or untilComplete');
  }
  if (inThread && (options.resourceLimits !== undefined || replyTimeoutMs !== undefined)) {
    const name = options.resourceLimits !== undefined ? 'resourceLimits' : 'replyTimeoutMs';
    throw new RangeError(`optimize: ${name} applies to worker threads; pass the objective as { module }`);
  }
}

function caught(e: unknown, rule: OptimizeOptions['catch']): boolean {
  if (rule === undefined || rule === true) return true;
  if (rule === false) return false;
  return rule.some((cls) => e instanceof cls);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

// -- worker threads -----------------------------------------------------------

/** A worker that died during a trial: the trial fails as retryable (its parameters are not to blame). */
class WorkerCrash extends Error {
  override name = 'WorkerCrash';
}

/**
 * Messages a worker sends on its port (see executor-worker.ts). `suggest` and
 * `shouldPrune` carry the request's number, which their reply repeats; `lost`
 * ends a trial whose round trip got no reply in time (the worker is retired).
 */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'loadError'; error: string }
  | { type: 'suggest'; id: number; name: string; distribution: Distribution }
  | { type: 'shouldPrune'; id: number }
  | { type: 'report'; value: number | number[]; step: number }
  | { type: 'setUserAttr'; key: string; value: unknown }
  | { type: 'setConstraint'; values: number[] }
  | { type: 'done'; value: number | number[] | undefined; described: string }
  | { type: 'threw'; error: { name: string; message: string; stack?: string } }
  | { type: 'lost'; reason: string };

/** An asynchronous request of a worker's trial on its link port (see `TrialLink`), answered by `LinkReply`. */
export type LinkRequest =
  | { id: number; op: 'takeCommands' }
  | { id: number; op: 'settleCommand'; commandId: number; outcome: CommandOutcome }
  | { id: number; op: 'saveCheckpoint'; checkpoint: NewCheckpoint; options?: SaveCheckpointOptions }
  | { id: number; op: 'loadCheckpoint'; checkpointId: number };

export type LinkReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string } };

/** What this thread answers to a synchronous request: `id` is the request's number. */
export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string } };

/** What a worker receives when it starts (its `workerData`). */
export interface WorkerInit {
  readonly module: string;
  readonly exportName: string;
  readonly args: unknown;
  readonly port: MessagePort;
  /**
   * A second channel for the trial link's asynchronous requests: replies to
   * them must never be mistaken for the reply a synchronous \`suggest\` waits
   * for on \`port\`.
   */
  readonly linkPort: MessagePort;
  /**
   * Int32Array over a SharedArrayBuffer: this thread stores there the number
   * of the request it has just answered on `port` (after posting the reply).
   */
  readonly signal: Int32Array;
  /** How long a synchronous request waits for its reply (ms). */
  readonly replyTimeoutMs: number;
  readonly entry: string;
  readonly tsxApi: string | undefined;
}

/** One worker thread and the trial it runs. */
class WorkerSlot {
  private current:
    | { trial: StudyTrial; resolve: (v: unknown) => void; reject: (e: unknown) => void; asyncError?: unknown }
    | undefined;
  private dead = false;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly linkPort: MessagePort,
    private readonly signal: Int32Array,
  ) {}

  /** Starts a worker and waits until it has loaded the objective module. */
  static start(objective: ObjectiveModule, { resourceLimits, replyTimeoutMs }: WorkerSettings): Promise<WorkerSlot> {
    const { port1, port2 } = new MessageChannel();
    const link = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const { entry, tsxApi } = workerEntry(objective.module);
    const init: WorkerInit = {
      module: objective.module,
      exportName: objective.exportName ?? 'objective',
      args: objective.args,
      port: port2,
      linkPort: link.port2,
      signal,
      replyTimeoutMs,
      entry,
      tsxApi,
    };
    // Under tsx, the worker's own code is TypeScript: a tiny CommonJS bootstrap
    // registers tsx in the worker, then imports it (`--import tsx` alone does
    // not reach worker threads on Node 20).
    const worker = tsxApi
      ? new Worker(BOOTSTRAP, { eval: true, workerData: init, transferList: [port2, link.port2], ...(resourceLimits ? { resourceLimits } : {}) })
      : new Worker(new URL(entry), { workerData: init, transferList: [port2, link.port2], ...(resourceLimits ? { resourceLimits } : {}) });
    const slot = new WorkerSlot(worker, port1, link.port1, signal);
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        slot.dead = true;
        void worker.terminate();
        port1.close();
        link.port1.close();
        reject(new Error(`cannot start a worker for objective module ${objective.module}: ${why}`));
      };
      port1.once('message', (m: WorkerMessage) => {
        if (m.type === 'ready') {
          worker.off('error', onError);
          worker.off('exit', onExit);
          slot.listen();
          resolve(slot);
        } else fail(m.type === 'loadError' ? m.error : `unexpected message ${m.type}`);
      });
      const onError = (e: Error): void => fail(describeError(e));
      const onExit = (code: number): void => fail(`the worker exited with code ${code}`);
      worker.once('error', onError);
      worker.once('exit', onExit);
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Runs the objective on `trial` in the worker; resolves with what it returned. */
  run(trial: StudyTrial): Promise<unknown> {
    if (this.current) throw new Error('internal: a worker slot runs one trial at a time');
    return new Promise((resolve, reject) => {
      this.current = { trial, resolve, reject };
      this.worker.postMessage({
        type: 'run',
        number: trial.number,
        objectives: trial.objectives,
        params: trial.params,
        userAttrs: trial.userAttrs,
        systemAttrs: trial.live.systemAttrs,
      });
    });
  }

  async close(): Promise<void> {
    this.dead = true;
    this.port.close();
    this.linkPort.close();
    await this.worker.terminate();
  }

  private listen(): void {
    this.port.on('message', (m: WorkerMessage) => this.onMessage(m));
    this.linkPort.on('message', (m: LinkRequest) => void this.onLinkRequest(m));
    this.worker.on('error', (e) => this.crash(`the worker thread crashed: ${describeError(e)}`));
    this.worker.on('exit', (code) => this.crash(`the worker thread exited with code ${code} during the trial`));
  }

  private onMessage(m: WorkerMessage): void {
    const run = this.current;
    if (!run) return;
    switch (m.type) {
      case 'suggest':
        return this.reply(m.id, () => run.trial.suggest(m.name, m.distribution));
      case 'shouldPrune':
        return this.reply(m.id, () => run.trial.shouldPrune());
      case 'report':
      case 'setUserAttr':
      case 'setConstraint':
        // Fire-and-forget from the worker (it checked the arguments); a failure here fails the trial at the end.
        try {
          if (m.type === 'report') run.trial.report(m.value, m.step);
          else if (m.type === 'setConstraint') run.trial.setConstraint(m.values);
          else run.trial.setUserAttr(m.key, m.value);
        } catch (e) {
          run.asyncError ??= e;
        }
        return;
      case 'done':
        this.current = undefined;
        if (run.asyncError !== undefined) return run.reject(run.asyncError);
        return run.resolve(m.value !== undefined ? m.value : new Unreturnable(m.described));
      case 'threw': {
        this.current = undefined;
        const e = new Error(m.error.message);
        e.name = m.error.name;
        if (m.error.stack) e.stack = m.error.stack;
        return run.reject(e);
      }
      case 'lost':
        // The worker gave up waiting for a reply: its trial cannot be trusted and the thread is retired.
        this.current = undefined;
        void this.close();
        return run.reject(new WorkerCrash(m.reason));
    }
  }

  /** Runs a link request against the current trial's own link (its storage) and answers on the link port. */
  private async onLinkRequest(m: LinkRequest): Promise<void> {
    let reply: LinkReply;
    try {
      const run = this.current;
      if (!run) throw new Error(`no trial is running in this worker (request ${m.op} came too late)`);
      const link = run.trial.live;
      const value =
        m.op === 'takeCommands'
          ? await link.takeCommands()
          : m.op === 'settleCommand'
            ? await link.settleCommand(m.commandId, m.outcome)
            : m.op === 'saveCheckpoint'
              ? await link.saveCheckpoint(m.checkpoint, m.options)
              : await link.loadCheckpoint(m.checkpointId);
      reply = { id: m.id, ok: true, value };
    } catch (e) {
      reply = { id: m.id, ok: false, error: { name: (e as Error)?.name ?? 'Error', message: (e as Error)?.message ?? String(e) } };
    }
    if (!this.dead) this.linkPort.postMessage(reply);
  }

  /** Answers request `id`: the reply goes on the port first, then its number into the signal (the worker reads it in that order). */
  private reply(id: number, answer: () => unknown): void {
    let reply: WorkerReply;
    try {
      reply = { id, ok: true, value: answer() };
    } catch (e) {
      reply = { id, ok: false, error: { name: (e as Error)?.name ?? 'Error', message: (e as Error)?.message ?? String(e) } };
    }
    this.port.postMessage(reply);
    Atomics.store(this.signal, 0, id);
    Atomics.notify(this.signal, 0);
  }

  private crash(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.port.close();
    this.linkPort.close();
    const run = this.current;
    this.current = undefined;
    run?.reject(new WorkerCrash(why));
  }
}

/** What a worker returned when it was not a number, described there (the loop fails the trial saying so). */
class Unreturnable {
  constructor(readonly described: string) {}
}

/** How each worker thread of a pool is set up. */
interface WorkerSettings {
  readonly resourceLimits: ResourceLimits | undefined;
  readonly replyTimeoutMs: number;
}

/** Worker slots, one per concurrent trial; a crashed worker is replaced before its slot's next trial. */
class WorkerPool {
  private constructor(
    private readonly objective: ObjectiveModule,
    private readonly slots: WorkerSlot[],
    private readonly settings: WorkerSettings,
  ) {}

  static async start(objective: ObjectiveModule, n: number, settings: WorkerSettings): Promise<WorkerPool> {
    if (typeof objective?.module !== 'string' || !isAbsolute(objective.module)) {
      throw new TypeError(`optimize: an objective module needs an absolute path, got ${JSON.stringify(objective?.module)}`);
    }
    const started = await Promise.allSettled(Array.from({ length: n }, () => WorkerSlot.start(objective, settings)));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
      throw (failed as PromiseRejectedResult).reason;
    }
    return new WorkerPool(objective, started.map((s) => (s as PromiseFulfilledResult<WorkerSlot>).value), settings);
  }

  /** Runs a trial in slot `index`'s worker, first replacing the worker if it died. */
  async run(index: number, trial: StudyTrial): Promise<unknown> {
    if (!this.slots[index].alive) this.slots[index] = await WorkerSlot.start(this.objective, this.settings);
    return this.slots[index].run(trial);
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.close()));
  }
}

/**
 * Which file a worker runs, and whether it needs tsx: when this file is
 * itself TypeScript (running under tsx) or the objective module is.
 */
function workerEntry(module: string): { entry: string; tsxApi: string | undefined } {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./executor-worker.${ts ? 'ts' : 'js'}`, import.meta.url).href;
  if (!ts && !/\.[mc]?ts$/.test(module)) return { entry, tsxApi: undefined };
  try {
    return { entry, tsxApi: import.meta.resolve('tsx/esm/api') };
  } catch {
    throw new Error(
      `objective module ${module} is TypeScript, and tsx (which runs TypeScript in worker threads) is not installed: npm install --save-dev tsx, or compile the objective to .js`,
    );
  }
}

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  const { register } = await import(workerData.tsxApi);
  register();
  await import(workerData.entry);
})();
`;
