/**
 * Studies: the Optuna-like front of the tuner. A study owns a sampler, a
 * pruner and a storage; it hands out trials (`ask`), records their results
 * (`tell`), and runs whole searches (`optimize`), in this thread or in
 * worker threads (see executor.ts).
 *
 * A study keeps a cache of its trials, refreshed incrementally from storage
 * (only trials changed since the last read), so samplers and pruners read it
 * synchronously and nothing reloads the whole study per trial. Trials that
 * other processes run appear at the next `ask`, `tell` or `refresh()`.
 *
 * Trials of this process send heartbeats while they run; `ask` first fails
 * any trial (of any process) whose heartbeat is older than the grace period,
 * then may hand out a retry of it (`maxRetries`), so a study survives a
 * worker killed in the middle of a trial, in `optimize` and ask/tell alike.
 *
 * It also survives a database crash that rolls back its last commits
 * (PostgreSQL with durability=fast): each claim carries a key, and every
 * write of the trial proves with it that the trial is still this process's
 * claim. A trial the crash rolled back (its id gone, or given to another
 * trial) is lost: its result is dropped with one warning, never an error, and
 * the study goes on. A trial whose result the crash rolled back is running
 * again with nobody to heartbeat it, so the heartbeat rule fails and retries
 * it. The final write of a trial carries all of it (every parameter and
 * value), so a crash can never leave a value stored without the parameters
 * it came from; and when the storage says versions went back (`reset`), the
 * cache is read again from scratch.
 */
import { randomUUID } from 'node:crypto';
import { RandomSampler } from './samplers/random.js';
import { TrialFinishedError, TrialNotFoundError } from './storage/errors.js';
import { openStorage } from './storage/open.js';
import type { ClaimOptions, Storage, StudyRecord, TrialOutcome, TrialUpdate } from './storage/storage.js';
import { describeError, describeValue } from './describe.js';
import { outcomeOf, type TellResult } from './outcome.js';
import { nonNegative, requestedDirections, type CreateStudyOptions, type LoadStudyOptions, type Objective, type StudyOptions } from './study-options.js';
import { studyToJson, trialsToCsv, type StudyJson } from './export.js';
import { runTrials, type ObjectiveModule, type OptimizeOptions } from './executor.js';
import { streamTrials } from './study-stream.js';
import { ScheduleCompleteError, type Scheduler } from './pbt.js';
import { paretoFront } from './multi/pareto.js';
import { recordedMetricNames } from './multi/summary.js';
import { bestOf } from './rank.js';
import { TrialCache } from './study-cache.js';
import { Heartbeats } from './heartbeats.js';
import { storageLink, StudyTrial, type Trial, type TrialHost } from './trial.js';
import type { Direction, FrozenTrial, ParamValue, Pruner, Sampler, StudyView, TrialState } from './types.js';

export type { CreateStudyOptions, LoadStudyOptions, Objective, StudyOptions } from './study-options.js';
export type { TellResult } from './outcome.js';


/**
 * Creates a study (or, with `loadIfExists`, opens the existing one).
 *
 * @example
 *   const study = await createStudy({ direction: 'minimize', seed: 1 });
 *   await study.optimize((trial) => (trial.suggestFloat('x', -10, 10) - 2) ** 2, { nTrials: 50 });
 *   study.bestParams; // { x: 2.03... }
 */
export async function createStudy(options: CreateStudyOptions = {}): Promise<Study> {
  const directions = requestedDirections(options);
  const { storage, owned } = await openStorage(options.storage);
  try {
    const name = options.name ?? `study-${randomUUID()}`;
    const existing = await storage.getStudy(name);
    let record: StudyRecord;
    if (existing) {
      if (!options.loadIfExists) {
        throw new Error(`a study named "${name}" already exists in ${storage.location}; pass loadIfExists: true to continue it`);
      }
      if (directions !== undefined && directions.join() !== existing.directions.join()) {
        throw new Error(
          `study "${name}" in ${storage.location} is to ${existing.directions.join(', ')}, not ${directions.join(', ')}; use another name`,
        );
      }
      record = existing;
    } else {
      const chosen = directions ?? ['minimize'];
      record = await storage.createStudy({
        name,
        direction: chosen[0],
        ...(chosen.length > 1 ? { directions: chosen } : {}),
        ...(options.userAttrs ? { userAttrs: options.userAttrs } : {}),
        ...(options.data !== undefined ? { data: options.data } : {}),
      });
    }
    const study = new Study(storage, record, options, owned);
    await study.refresh();
    return study;
  } catch (e) {
    if (owned) await storage.close();
    throw e;
  }
}

/**
 * Opens an existing study; a clear error when there is none of that name.
 *
 * @example
 *   const study = await loadStudy({ name: 'mlp', storage: 'runs/mlp.db' });
 *   console.log(study.bestValue, study.trials().length);
 */
export async function loadStudy(options: LoadStudyOptions): Promise<Study> {
  const opened = await openStorage(options.storage, { mustExist: true });
  const { storage } = opened;
  const owned = opened.owned || options.closeStorage === true;
  const record = await storage.getStudy(options.name);
  if (!record) {
    const names = (await storage.listStudies()).map((s) => s.name);
    if (owned) await storage.close();
    throw new Error(
      `no study named "${options.name}" in ${storage.location}` +
        (names.length ? ` (it has: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''})` : ' (it has no study)'),
    );
  }
  try {
    const study = new Study(storage, record, options, owned);
    await study.refresh();
    return study;
  } catch (e) {
    if (owned) await storage.close();
    throw e;
  }
}

/**
 * A study. Create one with `createStudy` or `loadStudy`.
 *
 * @example
 *   const study = await createStudy({ name: 'mlp', storage: 'runs/mlp.db', direction: 'maximize', loadIfExists: true });
 *   const trial = await study.ask();
 *   const lr = trial.suggestFloat('lr', 1e-4, 1, { log: true });
 *   await study.tell(trial, await train(lr));
 *   console.log(study.bestParams);
 */
export class Study implements StudyView {
  readonly id: number;
  readonly name: string;
  /** The direction of a single-objective study (of the first objective in a multi-objective one). */
  readonly direction: Direction;
  /** One direction per objective: `[direction]` for a single-objective study. */
  readonly directions: readonly Direction[];
  readonly sampler: Sampler;
  readonly pruner: Pruner | undefined;
  readonly heartbeatMs: number;
  readonly graceMs: number;
  readonly maxRetries: number;
  private userAttrMap: Record<string, unknown>;
  private systemAttrMap: Record<string, unknown>;
  private dataValue: unknown;
  private pendingStudyAttrs: { userAttrs?: Record<string, unknown>; systemAttrs?: Record<string, unknown> } = {};
  private studyFlush: Promise<void> = Promise.resolve();
  private studyFlushError: unknown;

  // Trials this study object is running, which override the cache (they are fresher).
  private readonly active = new Map<number, StudyTrial>();
  /** The trials as storage last said, and the views samplers read (study-cache.ts). */
  private readonly cache: TrialCache;
  private readonly flushScheduled = new Set<StudyTrial>();
  private readonly heartbeats: Heartbeats;
  private closed = false;
  /** Decides which trials exist (population-based training), or undefined. */
  readonly scheduler: Scheduler | undefined;
  private planChain: Promise<unknown> = Promise.resolve();
  private readonly warn: (message: string) => void;

  /** @internal Use `createStudy` or `loadStudy`. */
  constructor(
    readonly storage: Storage,
    record: StudyRecord,
    options: StudyOptions,
    private readonly ownsStorage: boolean,
  ) {
    if (options.sampler && options.seed !== undefined) {
      throw new TypeError(`study "${record.name}": seed seeds the default sampler; pass it to your sampler's constructor instead`);
    }
    this.id = record.id;
    this.name = record.name;
    this.direction = record.direction;
    this.directions = record.directions;
    this.userAttrMap = { ...record.userAttrs };
    this.systemAttrMap = { ...record.systemAttrs };
    this.dataValue = record.data;
    this.cache = new TrialCache(storage, record.id, this.active, (study) => {
      // Attributes this process set but has not written yet stay on top.
      this.userAttrMap = { ...study.userAttrs, ...this.pendingStudyAttrs.userAttrs };
      this.systemAttrMap = { ...study.systemAttrs, ...this.pendingStudyAttrs.systemAttrs };
      this.dataValue = study.data;
    });
    this.sampler = options.sampler ?? new RandomSampler(options.seed !== undefined ? { seed: options.seed } : {});
    this.pruner = options.pruner;
    this.scheduler = options.scheduler;
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message));
    const persistent = storage.location !== 'memory';
    this.heartbeatMs = nonNegative('heartbeatMs', options.heartbeatMs ?? (persistent ? 10_000 : 0));
    this.graceMs = nonNegative('graceMs', options.graceMs ?? Math.max(60_000, 3 * this.heartbeatMs));
    this.maxRetries = nonNegative('maxRetries', options.maxRetries ?? 0);
    this.heartbeats = new Heartbeats(storage, this.heartbeatMs, () => this.active.values());
    if (this.heartbeatMs > 0 && this.graceMs <= this.heartbeatMs) {
      throw new RangeError(`study "${this.name}": graceMs (${this.graceMs}) must be longer than heartbeatMs (${this.heartbeatMs})`);
    }
  }

  // -- StudyView ------------------------------------------------------------

  /**
   * The study's trials in number order (optionally only those in `states`),
   * from the cache: this process's running trials as they are now, other
   * processes' as of the last refresh. Samplers and pruners read this.
   *
   * @example
   *   study.trials(['complete']).length;
   */
  trials(states?: readonly TrialState[]): readonly FrozenTrial[] {
    return this.cache.trials(states);
  }

  get systemAttrs(): Readonly<Record<string, unknown>> {
    return this.systemAttrMap;
  }

  /** Records a study-level attribute for samplers (written to storage in the background). */
  setSystemAttr(key: string, value: unknown): void {
    this.systemAttrMap = { ...this.systemAttrMap, [key]: value };
    (this.pendingStudyAttrs.systemAttrs ??= {})[key] = value;
    this.scheduleStudyFlush();
  }

  // -- attributes -----------------------------------------------------------

  get userAttrs(): Readonly<Record<string, unknown>> {
    return this.userAttrMap;
  }

  /** @example study.setUserAttr('dataset', 'fashion-mnist'); */
  setUserAttr(key: string, value: unknown): void {
    this.userAttrMap = { ...this.userAttrMap, [key]: value };
    (this.pendingStudyAttrs.userAttrs ??= {})[key] = value;
    this.scheduleStudyFlush();
  }

  /** The study-level JSON document given at creation (the experiment file), or null. */
  get data(): unknown {
    return this.dataValue;
  }

  // -- results --------------------------------------------------------------

  /**
   * The best complete trial (lowest number among ties: rank.ts). Throws when none is complete.
   *
   * @example
   *   study.bestTrial.params;
   */
  get bestTrial(): FrozenTrial {
    this.checkSingleObjective('bestTrial');
    const complete = this.trials(['complete']);
    const best = bestOf(complete, this.direction);
    if (!best) {
      throw new Error(
        complete.length === 0
          ? `study "${this.name}" has no complete trial yet, so no best trial`
          : `study "${this.name}" has no feasible complete trial: each of its ${complete.length} violates a constraint, so no best trial`,
      );
    }
    return best;
  }

  /** Whether the study has more than one objective (then `bestTrials`, not `bestTrial`). */
  get isMultiObjective(): boolean {
    return this.directions.length > 1;
  }

  /**
   * The best trials: in a multi-objective study, the Pareto front (every
   * complete, feasible trial no other trial beats in all objectives), in
   * trial-number order; in a single-objective study, the best trial alone
   * (none when no trial is complete), as Optuna's `best_trials`.
   *
   * @example
   *   const study = await createStudy({ directions: ['maximize', 'minimize'] });
   *   // ...optimize...
   *   for (const t of study.bestTrials) console.log(t.number, t.values);
   */
  get bestTrials(): FrozenTrial[] {
    if (this.isMultiObjective) return paretoFront(this.trials(['complete']), this.directions);
    const best = bestOf(this.trials(['complete']), this.direction);
    return best ? [best] : [];
  }

  /**
   * The objectives' names, one per direction, when they were set
   * (`setMetricNames`, as Optuna's `set_metric_names`); `caviar show` and the
   * dashboard label values with them. Undefined when unset.
   */
  get metricNames(): readonly string[] | undefined {
    return recordedMetricNames(this.directions, this.systemAttrMap);
  }

  /** @example study.setMetricNames(['devAccuracy', 'inferenceMs']); */
  setMetricNames(names: readonly string[]): void {
    if (!Array.isArray(names) || names.length !== this.directions.length || !names.every((n) => typeof n === 'string' && n.length > 0)) {
      throw new RangeError(`study "${this.name}": setMetricNames needs ${this.directions.length} non-empty names, one per objective, got ${JSON.stringify(names)}`);
    }
    this.setSystemAttr('metricNames', [...names]);
  }

  /** @example study.bestValue; // 0.0012 */
  get bestValue(): number {
    return this.bestTrial.value!;
  }

  /** @example study.bestParams; // { lr: 0.003, units: 64 } */
  get bestParams(): Readonly<Record<string, ParamValue>> {
    return this.bestTrial.params;
  }

  /** @example fs.writeFileSync('trials.csv', study.toCSV()); */
  toCSV(): string {
    return trialsToCsv(this.trials());
  }

  /** Plain data; `JSON.stringify(study)` uses it. @example JSON.stringify(study.toJSON(), null, 2) */
  toJSON(): StudyJson {
    return studyToJson(this, this.trials());
  }

  // -- ask / tell -----------------------------------------------------------

  /**
   * Starts a trial: an enqueued one first, else a due retry, else a new one.
   * Running trials of any process whose heartbeat is older than the grace
   * period are failed first.
   *
   * @example
   *   const trial = await study.ask();
   *   await study.tell(trial, objective(trial));
   */
  async ask(): Promise<StudyTrial> {
    return (await this.claim())!;
  }

  /**
   * `ask` with a budget: `undefined` when the study already has
   * `maxCompleteOrRunning` trials that are complete or running.
   * @internal The executor's loop uses it.
   */
  async claim(maxCompleteOrRunning?: number, signal?: AbortSignal): Promise<StudyTrial | undefined> {
    this.checkOpen();
    await this.studyFlush;
    const options = this.claimOptions(maxCompleteOrRunning);
    const take = () => this.storage.claimTrial(this.id, options);
    // With a scheduler, planning and claiming happen one claim at a time in this
    // process, so two slots never plan the same trial or take each other's.
    let frozen: FrozenTrial | undefined;
    if (this.scheduler) {
      const turn = this.planChain.catch(() => {}).then(() => this.planAndTake(take, signal));
      this.planChain = turn;
      frozen = await turn;
    } else frozen = await take();
    if (!frozen) return undefined;
    await this.refresh();
    return this.adopt(frozen, options.key);
  }

  /** What every claim of this process asks the storage for, with a key of its own (see `ClaimOptions.key`). */
  private claimOptions(maxCompleteOrRunning: number | undefined): ClaimOptions & { key: string } {
    const heartbeat = this.heartbeatMs > 0;
    return {
      key: randomUUID(),
      maxRetries: this.maxRetries,
      heartbeat,
      ...(heartbeat ? { staleGraceMs: this.graceMs } : {}),
      ...(maxCompleteOrRunning !== undefined ? { maxCompleteOrRunning } : {}),
    };
  }

  /** Makes a claimed trial this process's own: heartbeats, and the sampler's joint draw. */
  private async adopt(frozen: FrozenTrial, claimKey: string): Promise<StudyTrial> {
    const trial = new StudyTrial(this.host, frozen, claimKey);
    this.active.set(trial.number, trial);
    this.cache.changed();
    this.heartbeats.start();
    try {
      this.sampleRelative(trial);
    } catch (e) {
      await this.tell(trial, { state: 'failed', reason: `the sampler failed: ${describeError(e)}` });
      throw e;
    }
    return trial;
  }

  /**
   * Tells `trial` and claims the next trial within budget in the same storage
   * transaction (on PostgreSQL one locked, flushed commit per trial instead of
   * two). `claimed` is false when the two could not go together (a scheduler
   * plans the claims, or the finish was refused and rewritten): call `claim`.
   * `error` is what adopting the new trial threw (a grid with no point left).
   * @internal The executor's loop uses it.
   */
  async tellAndClaim(
    trial: StudyTrial,
    result: TellResult,
    maxCompleteOrRunning?: number,
  ): Promise<{ finished: FrozenTrial; next: StudyTrial | undefined; claimed: boolean; error?: unknown }> {
    if (this.scheduler || !this.active.has(trial.number)) return { finished: await this.tell(trial, result), next: undefined, claimed: false };
    await this.studyFlush;
    let claimed: { frozen: FrozenTrial | undefined } | undefined;
    const options = this.claimOptions(maxCompleteOrRunning);
    const finished = await this.finish(trial.number, result, async (id, update) => {
      claimed = { frozen: await this.storage.claimTrial(this.id, { ...options, finishing: { trialId: id, update } }) };
    });
    if (!claimed) return { finished, next: undefined, claimed: false };
    if (!claimed.frozen) return { finished, next: undefined, claimed: true };
    try {
      return { finished, next: await this.adopt(claimed.frozen, options.key), claimed: true };
    } catch (error) {
      return { finished, next: undefined, claimed: true, error };
    }
  }

  /** Lets the scheduler enqueue what is due, waits while it says so, then claims. */
  private async planAndTake(take: () => Promise<FrozenTrial | undefined>, signal?: AbortSignal): Promise<FrozenTrial | undefined> {
    for (;;) {
      this.checkOpen();
      // Stopped while waiting for the plan (Ctrl-C): claim nothing more.
      if (signal?.aborted) return undefined;
      await this.refresh();
      const plan = this.scheduler!.plan(this);
      for (const trial of plan.enqueue) await this.storage.enqueueTrial(this.id, trial);
      if (plan.then === 'done') throw new ScheduleCompleteError(`study "${this.name}": ${this.scheduler!.name} has run every trial it plans`);
      if (plan.then === 'claim') return take();
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Finishes a trial: a number completes it (NaN, Infinity or a non-number
   * fails it, with the reason recorded); `{ state: 'pruned' }` prunes it
   * (its value becomes its last intermediate value); `{ state: 'failed' }`
   * fails it. Returns the finished trial as stored.
   *
   * @example
   *   await study.tell(trial, 0.25);
   *   await study.tell(7, { state: 'pruned' });
   */
  async tell(trial: Trial | number, result: TellResult): Promise<FrozenTrial> {
    this.checkOpen();
    const number = typeof trial === 'number' ? trial : trial.number;
    if (!this.active.has(number)) return this.tellOther(number, result);
    return this.finish(number, result, (id, update) => this.storage.updateTrial(id, update));
  }

  /**
   * Tells a trial of this process, with `write` making the final storage
   * write: the whole trial (see `StudyTrial.everything`) and its outcome.
   * A trial the storage lost returns as failed (system attribute `lost`),
   * kept out of the study's trials, after one warning.
   */
  private async finish(number: number, result: TellResult, write: (trialId: number, update: TrialUpdate) => Promise<void>): Promise<FrozenTrial> {
    const own = this.active.get(number)!;
    own.finished = true;
    await own.flushChain;
    if (own.flushError instanceof TrialNotFoundError) own.lost ??= own.flushError;
    let outcome = outcomeOf(result, own.lastIntermediate(), this.directions.length);
    if (own.flushError !== undefined && own.lost === undefined) {
      outcome = { state: 'failed', reason: `a write to storage failed: ${describeError(own.flushError)}` };
    }
    own.takePending();
    const claim = own.claimKey !== undefined ? { claimKey: own.claimKey } : {};
    try {
      if (own.lost === undefined) {
        try {
          await write(own.id, { ...own.everything(), finish: outcome });
        } catch (e) {
          if (e instanceof TrialFinishedError || e instanceof TrialNotFoundError) throw e;
          // The writes were refused (say, a distribution another process recorded first): the
          // trial cannot be kept as it is, so it fails, saying why.
          await this.storage.updateTrial(own.id, {
            finish: { state: 'failed', reason: `a write to storage failed: ${describeError(e)}` },
            ...claim,
          });
        }
      }
    } catch (e) {
      if (e instanceof TrialNotFoundError) own.lost = e;
      else if (e instanceof TrialFinishedError) {
        // Another process declared this trial dead (its heartbeat stalled longer than the grace
        // period) and failed it; that verdict stands.
        this.warn(
          `study "${this.name}": trial ${number} was already ${e.state} when told (its heartbeat stalled longer than graceMs ${this.graceMs}); its result is lost`,
        );
      } else throw e;
    } finally {
      this.active.delete(number);
      this.cache.changed();
      if (this.active.size === 0) this.heartbeats.stop();
    }
    if (own.lost !== undefined) return this.dropLost(own, outcome);
    await this.refresh();
    const finished = this.cache.stored(number)!;
    this.sampler.afterTrial?.(this, finished);
    return finished;
  }

  /**
   * The answer for a trial the storage no longer holds as this process's
   * claim: one warning, and the trial as this process knew it, failed and
   * marked `lost` (it is not among the study's trials; the number may be
   * another trial's now).
   */
  private async dropLost(own: StudyTrial, outcome: TrialOutcome): Promise<FrozenTrial> {
    const why = (own.lost as Error)?.message ?? String(own.lost);
    const result =
      outcome.state !== 'complete'
        ? `its result (${outcome.state})`
        : 'values' in outcome
          ? `its values ${describeValue(outcome.values)}`
          : `its value ${describeValue(outcome.value)}`;
    this.warn(`study "${this.name}": trial ${own.number} was lost (${why}); ${result} is dropped and the study goes on`);
    // The cache's copy of it is what this process wrote, not what the storage holds: forget it, then
    // read what the storage holds now (the crash may have rolled back other trials this process saw).
    this.cache.forget(own.number, own.id);
    await this.refresh().catch(() => {});
    const snapshot = own.snapshot();
    return {
      ...snapshot,
      state: 'failed',
      systemAttrs: { ...snapshot.systemAttrs, lost: true, failReason: `lost: ${why}` },
      completedAt: Date.now(),
    };
  }

  /**
   * Adds a trial with fixed parameter values, run before any new one; the
   * objective's `suggest*` calls return these values for these names.
   *
   * @example
   *   await study.enqueue({ lr: 0.01, units: 64 });
   */
  async enqueue(
    params: Readonly<Record<string, ParamValue>>,
    options: { userAttrs?: Readonly<Record<string, unknown>> } = {},
  ): Promise<FrozenTrial> {
    this.checkOpen();
    const t = await this.storage.enqueueTrial(this.id, {
      params,
      ...(options.userAttrs ? { userAttrs: options.userAttrs } : {}),
    });
    await this.refresh();
    return t;
  }

  // -- whole searches -------------------------------------------------------

  /**
   * Runs trials until the budget is spent: `nTrials` trials by this call,
   * `timeoutMs`, or `untilComplete` complete trials in the whole study
   * (counted across every process, atomically). A function objective runs in
   * this thread (`concurrency` trials at once, interleaved at its awaits); a
   * module objective `{ module, exportName }` runs in worker threads, one per
   * core by default. An objective that throws, or returns NaN, Infinity or a
   * non-number, fails its trial and the study goes on (unless `catch` says
   * otherwise); `TrialPruned` prunes it.
   *
   * @example
   *   await study.optimize(objective, { nTrials: 100 });
   *   await study.optimize({ module: new URL('./objective.js', import.meta.url).pathname }, { nTrials: 100, concurrency: 4 });
   */
  async optimize(objective: Objective | ObjectiveModule, options: OptimizeOptions): Promise<void> {
    this.checkOpen();
    await runTrials(this, objective, options);
  }

  /**
   * `optimize`, as an async iterator over trials as they finish.
   *
   * @example
   *   for await (const t of study.stream(objective, { nTrials: 20 })) console.log(t.number, t.state, t.value);
   */
  stream(objective: Objective | ObjectiveModule, options: OptimizeOptions): AsyncGenerator<FrozenTrial> {
    return streamTrials((o, opts) => this.optimize(o, opts), objective, options);
  }

  // -- storage sync ---------------------------------------------------------

  /**
   * Reads what changed in storage since the last read (trials of other
   * processes, attributes). Concurrent calls share one read.
   *
   * @example
   *   await study.refresh();
   *   study.trials().length;
   */
  refresh(): Promise<void> {
    return this.cache.refresh();
  }

  /**
   * Stops heartbeats, writes what is buffered and, if the study opened its
   * storage itself (from a string), closes it.
   *
   * @example
   *   await study.close();
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.heartbeats.stop();
    await Promise.all([...this.active.values()].map((t) => this.flushTrial(t)));
    await this.studyFlush;
    this.closed = true;
    if (this.ownsStorage) await this.storage.close();
  }

  /** How trials reach the study; kept off the public surface. */
  private readonly host: TrialHost = {
    link: (frozen, claimKey) => storageLink(this.storage, frozen.id, { ...frozen.systemAttrs }, claimKey),
    sampleIndependent: (trial, name, distribution) => this.sampler.sampleIndependent(this, trial, name, distribution),
    prune: (trial) => (this.pruner ? this.pruner.prune(this, trial) : false),
    knownDistribution: (name) => this.cache.known.get(name),
    // A getter: the host is made before the constructor sets the directions.
    objectives: () => this.directions.length,
    trialChanged: (trial) => {
      this.cache.changed();
      if (this.flushScheduled.has(trial)) return;
      this.flushScheduled.add(trial);
      // Wait for the objective to yield, so one batch carries all its suggests and reports.
      setImmediate(() => {
        this.flushScheduled.delete(trial);
        void this.flushTrial(trial);
      });
    },
  };

  private flushTrial(trial: StudyTrial): Promise<void> {
    trial.flushChain = trial.flushChain.then(async () => {
      const update = trial.takePending();
      if (!update || trial.flushError !== undefined) return;
      try {
        await this.storage.updateTrial(trial.id, { ...update, ...(trial.claimKey !== undefined ? { claimKey: trial.claimKey } : {}) });
      } catch (e) {
        trial.flushError = e;
        if (e instanceof TrialNotFoundError) trial.lost ??= e;
        return;
      }
      // Pruners compare with other trials' intermediate values: keep them fresh.
      if (this.pruner && update.intermediate) await this.refresh().catch(() => {});
    });
    return trial.flushChain;
  }

  private sampleRelative(trial: StudyTrial): void {
    const { sampler } = this;
    if (!sampler.inferRelativeSpace || !sampler.sampleRelative) return;
    const snapshot = trial.snapshot();
    const space = sampler.inferRelativeSpace(this, snapshot);
    if (Object.keys(space).length === 0) return;
    trial.setRelative(space, sampler.sampleRelative(this, snapshot, space));
  }

  private async tellOther(number: number, result: TellResult): Promise<FrozenTrial> {
    await this.refresh();
    const t = this.cache.stored(number);
    if (!t) throw new RangeError(`study "${this.name}" has no trial ${number}`);
    if (t.state !== 'running') throw new TrialFinishedError(number, t.state);
    const last = this.isMultiObjective ? undefined : [...t.intermediate.entries()].sort((a, b) => b[0] - a[0])[0]?.[1];
    await this.storage.updateTrial(t.id, { finish: outcomeOf(result, last, this.directions.length) });
    await this.refresh();
    const finished = this.cache.stored(number)!;
    this.sampler.afterTrial?.(this, finished);
    return finished;
  }

  private scheduleStudyFlush(): void {
    this.studyFlush = this.studyFlush.then(async () => {
      const update = this.pendingStudyAttrs;
      if (!update.userAttrs && !update.systemAttrs) return;
      this.pendingStudyAttrs = {};
      try {
        await this.storage.updateStudy(this.id, update);
      } catch (e) {
        this.studyFlushError ??= e;
      }
    });
  }

  private checkSingleObjective(what: string): void {
    if (this.isMultiObjective) {
      throw new Error(
        `study "${this.name}" has ${this.directions.length} objectives (${this.directions.join(', ')}), so no single ${what}: use bestTrials, its Pareto front`,
      );
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`study "${this.name}" is closed`);
    if (this.studyFlushError !== undefined) {
      const e = this.studyFlushError;
      this.studyFlushError = undefined;
      throw new Error(`study "${this.name}": writing a study attribute failed: ${describeError(e)}`, { cause: e });
    }
  }
}
