/**
 * Trials as an objective sees them: suggest parameters, report intermediate
 * values, ask whether to stop. The `Trial` interface is all an objective may
 * use, so the same objective runs in the main thread (`StudyTrial`, here) or
 * in a worker thread (`RemoteTrial`, in executor-worker.ts) unchanged.
 *
 * Suggest, report and shouldPrune are synchronous, as in Optuna, although
 * storage is async: writes are buffered on the trial and flushed to storage
 * in one batch as soon as the objective yields (and at the latest when the
 * trial is told), and samplers and pruners read the study's cached trials.
 */
import { categorical, distributionContains, distributionProblems, floatParam, intParam } from './space/distributions.js';
import { distributionConflict, checkJson, checkParamValue, isFiniteVector } from './storage/rules.js';
import { DistributionConflictError, TrialFinishedError } from './storage/errors.js';
import type {
  Checkpoint,
  CheckpointInfo,
  CommandOutcome,
  CommandRecord,
  IntermediateValue,
  NewCheckpoint,
  ParamWrite,
  SaveCheckpointOptions,
  Storage,
  TrialUpdate,
} from './storage/storage.js';
import { trialOrigin, type TrialOrigin } from './control.js';
import type { Distribution, FloatScale, FrozenTrial, ParamValue } from './types.js';

/** Options of `suggestFloat`. */
export interface SuggestFloatOptions {
  /** Shorthand for `scale: 'log'`: the learning-rate scale, `10^U(log10 low, log10 high)`. */
  readonly log?: boolean;
  /** `linear` (default), `log`, or `oneMinusBeta` (beta in 0.9..0.999 is `1 - 10^U(-3, -1)`). */
  readonly scale?: FloatScale;
  /** Values on a grid low, low + step, ... (linear scale only). */
  readonly step?: number;
}

/** Options of `suggestInt`. */
export interface SuggestIntOptions {
  readonly step?: number;
  /** Each value's chance proportional to its width on a log axis (needs low >= 1, step 1). */
  readonly log?: boolean;
}

/**
 * What an objective receives. Asking for the same name twice in one trial
 * returns the same value.
 *
 * @example
 *   async function objective(trial: Trial): Promise<number> {
 *     const lr = trial.suggestFloat('lr', 1e-4, 1, { log: true });
 *     const beta = trial.suggestFloat('beta', 0.9, 0.999, { scale: 'oneMinusBeta' });
 *     const units = trial.suggestInt('units', 50, 100);
 *     const act = trial.suggestCategorical('act', ['relu', 'tanh']);
 *     for (let epoch = 0; epoch < 10; epoch++) {
 *       const loss = await trainOneEpoch({ lr, beta, units, act });
 *       trial.report(loss, epoch);
 *       if (trial.shouldPrune()) throw new TrialPruned();
 *     }
 *     return validationLoss();
 *   }
 */
export interface Trial {
  /** 0-based position of the trial within its study. */
  readonly number: number;
  /** Parameters suggested so far. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly userAttrs: Readonly<Record<string, unknown>>;
  /** A value of any distribution (see `floatParam`, `intParam`, `categorical` in space/). */
  suggest(name: string, distribution: Distribution): ParamValue;
  suggestFloat(name: string, low: number, high: number, options?: SuggestFloatOptions): number;
  suggestInt(name: string, low: number, high: number, options?: SuggestIntOptions): number;
  suggestCategorical<T extends ParamValue>(name: string, choices: readonly T[]): T;
  /**
   * Records the objective's value at `step` (an integer >= 0); in a
   * multi-objective study, one value per objective. A step reported twice
   * keeps its first value.
   */
  report(value: number | readonly number[], step: number): void;
  /**
   * Records the trial's constraint values, as Optuna's `constraints_func`:
   * the trial is feasible when each is <= 0. An infeasible trial is kept and
   * shown but is never a best trial nor on the Pareto front. The last call wins.
   *
   * @example
   *   trial.setConstraint([modelBytes - 200_000]); // feasible when the model is at most 200 kB
   */
  setConstraint(values: readonly number[]): void;
  /** Whether the study's pruner says to stop this trial now; if so, throw `TrialPruned`. */
  shouldPrune(): boolean;
  /** Attaches a JSON value to the trial (shown in exports and the dashboard). */
  setUserAttr(key: string, value: unknown): void;
  /** The trial's line to the outside while it runs: commands from a person, checkpoints, where it starts from. */
  readonly live: TrialLink;
}

/**
 * What a long-running objective uses to be steered (the panda way): take the
 * commands a person sent (see `tune/control.ts`), settle them with the step
 * they were applied at, and save or load checkpoints that every worker of
 * the storage can read. Works the same in the main thread and in workers.
 */
export interface TrialLink {
  /** Where the trial starts when it was forked or is a population member (system attribute `origin`), else undefined. */
  readonly origin: TrialOrigin | undefined;
  /** Other system attributes the tuner set on the trial (e.g. `pbt`), read-only. */
  readonly systemAttrs: Readonly<Record<string, unknown>>;
  /** Commands sent to this trial and not taken yet, oldest first; each is returned once. */
  takeCommands(): Promise<CommandRecord[]>;
  settleCommand(commandId: number, outcome: CommandOutcome): Promise<void>;
  saveCheckpoint(checkpoint: NewCheckpoint, options?: SaveCheckpointOptions): Promise<CheckpointInfo>;
  loadCheckpoint(checkpointId: number): Promise<Checkpoint>;
}

/**
 * The link of a trial whose storage is at hand (this thread). With the key it
 * was claimed with, every request proves the trial is still that claim, so a
 * trial a database crash rolled back never takes or settles another trial's
 * commands, nor saves checkpoints onto it (`TrialLostError` instead).
 *
 * @example
 *   const link = storageLink(storage, trial.id, trial.systemAttrs, claimKey);
 *   for (const command of await link.takeCommands()) console.log(command.kind);
 */
export function storageLink(
  storage: Storage,
  trialId: number,
  systemAttrs: Readonly<Record<string, unknown>>,
  claimKey?: string,
): TrialLink {
  return {
    origin: trialOrigin({ systemAttrs }),
    systemAttrs,
    takeCommands: () => storage.takeCommands(trialId, claimKey),
    settleCommand: async (id, outcome) => {
      await storage.settleCommand(id, outcome, claimKey);
    },
    saveCheckpoint: (checkpoint, options) =>
      storage.saveCheckpoint(trialId, checkpoint, claimKey === undefined ? options : { ...options, claimKey }),
    loadCheckpoint: (id) => storage.loadCheckpoint(id),
  };
}

/**
 * Thrown by an objective to stop its trial early: the trial becomes `pruned`
 * and keeps its intermediate values.
 *
 * @example
 *   if (trial.shouldPrune()) throw new TrialPruned();
 */
export class TrialPruned extends Error {
  override name = 'TrialPruned';
  constructor(message = 'trial pruned') {
    super(message);
  }
}

/** Whether `e` is a `TrialPruned` (also one from another copy of caviar, as in a worker). */
export function isTrialPruned(e: unknown): boolean {
  return e instanceof TrialPruned || (e instanceof Error && e.name === 'TrialPruned');
}

/**
 * The typed suggest methods, written once on top of `suggest`: every trial
 * class implements only `suggest`, `report`, `shouldPrune` and `setUserAttr`.
 */
export abstract class TrialBase implements Trial {
  abstract readonly number: number;
  abstract readonly params: Readonly<Record<string, ParamValue>>;
  abstract readonly userAttrs: Readonly<Record<string, unknown>>;
  abstract suggest(name: string, distribution: Distribution): ParamValue;
  abstract report(value: number | readonly number[], step: number): void;
  abstract setConstraint(values: readonly number[]): void;
  abstract shouldPrune(): boolean;
  abstract setUserAttr(key: string, value: unknown): void;
  abstract readonly live: TrialLink;

  /** @example trial.suggestFloat('lr', 1e-4, 1, { log: true }) */
  suggestFloat(name: string, low: number, high: number, options: SuggestFloatOptions = {}): number {
    if (options.log && options.scale !== undefined && options.scale !== 'log') {
      throw new RangeError(`trial ${this.number}, suggestFloat("${name}"): log: true contradicts scale "${options.scale}"`);
    }
    const scale = options.log ? 'log' : options.scale;
    const d = this.build(name, () =>
      floatParam(low, high, {
        ...(scale !== undefined ? { scale } : {}),
        ...(options.step !== undefined ? { step: options.step } : {}),
      }),
    );
    return this.suggest(name, d) as number;
  }

  /** @example trial.suggestInt('units', 50, 100) */
  suggestInt(name: string, low: number, high: number, options: SuggestIntOptions = {}): number {
    const d = this.build(name, () =>
      intParam(low, high, {
        ...(options.step !== undefined ? { step: options.step } : {}),
        scale: options.log ? 'log' : 'linear',
      }),
    );
    return this.suggest(name, d) as number;
  }

  /** @example trial.suggestCategorical('optimizer', ['adam', 'momentum']) */
  suggestCategorical<T extends ParamValue>(name: string, choices: readonly T[]): T {
    return this.suggest(name, this.build(name, () => categorical(choices))) as T;
  }

  /** Builds a distribution, naming the parameter and trial in any complaint. */
  private build(name: string, make: () => Distribution): Distribution {
    try {
      return make();
    } catch (e) {
      throw new RangeError(`trial ${this.number}, parameter "${name}": ${(e as Error).message}`, { cause: e });
    }
  }
}

/** What a `StudyTrial` needs from its study. The study implements it; nothing else does. */
export interface TrialHost {
  /** Draws a value with the study's sampler. */
  sampleIndependent(trial: FrozenTrial, name: string, distribution: Distribution): ParamValue;
  /** Asks the study's pruner. */
  prune(trial: FrozenTrial): boolean;
  /** The distribution the study's trials already use for this name, if any. */
  knownDistribution(name: string): Distribution | undefined;
  /** The trial has buffered writes (or new local state): flush soon. */
  trialChanged(trial: StudyTrial): void;
  /** The trial's line to commands and checkpoints (see `TrialLink`), for the claim made with `claimKey`. */
  link(frozen: FrozenTrial, claimKey: string | undefined): TrialLink;
  /** How many objectives the study has (a report is one number per objective, or one number). */
  objectives(): number;
}

/**
 * A running trial owned by a study in this thread. Created by `study.ask()`.
 *
 * @example
 *   const trial = await study.ask();
 *   const x = trial.suggestFloat('x', -10, 10);
 *   await study.tell(trial, (x - 2) ** 2);
 */
export class StudyTrial extends TrialBase {
  readonly id: number;
  readonly number: number;
  private readonly startedAt: number | undefined;
  private readonly paramValues: Record<string, ParamValue>;
  private readonly distributions: Record<string, Distribution>;
  private readonly intermediate = new Map<number, IntermediateValue>();
  private readonly attrs: Record<string, unknown>;
  private readonly systemAttrs: Record<string, unknown>;
  private readonly fixed: Readonly<Record<string, ParamValue>>;
  private relative: { space: Record<string, Distribution>; values: Record<string, ParamValue> } | undefined;
  // Writes not yet sent to storage.
  private pendingParams: ParamWrite[] = [];
  private pendingValues: [number, IntermediateValue][] = [];
  private pendingAttrs: Record<string, unknown> | undefined;
  /** System attributes this process set (`recordSystemAttr`): sent with the next write and again with the final one. */
  private readonly ownSystemAttrs: Record<string, unknown> = {};
  private pendingSystemAttrs: Record<string, unknown> | undefined;
  /** A failed background flush, raised at the next call (and recorded when the trial is told). */
  flushError: unknown;
  /** Set once the trial is told; any further call is an error. */
  finished = false;
  /** Serializes this trial's flushes. */
  flushChain: Promise<void> = Promise.resolve();
  /**
   * Why the storage no longer holds this trial as this process's claim (a
   * `TrialNotFoundError`: a database crash rolled it back), once a write or
   * heartbeat found out; the trial then stops at its next call, and its
   * result is dropped when it is told.
   */
  lost: unknown;
  readonly live: TrialLink;

  constructor(
    private readonly host: TrialHost,
    frozen: FrozenTrial,
    /** The key the trial was claimed with: every write of this trial carries it (see `TrialUpdate.claimKey`). */
    readonly claimKey?: string,
  ) {
    super();
    this.id = frozen.id;
    this.number = frozen.number;
    this.startedAt = frozen.startedAt;
    // A retried trial starts with the params of the trial it retries.
    this.paramValues = { ...frozen.params };
    this.distributions = { ...frozen.distributions };
    for (const [s, v] of frozen.intermediateVectors ?? frozen.intermediate) this.intermediate.set(s, v);
    this.attrs = { ...frozen.userAttrs };
    this.systemAttrs = { ...frozen.systemAttrs };
    const fixed = frozen.systemAttrs.fixedParams;
    this.fixed = fixed && typeof fixed === 'object' ? (fixed as Record<string, ParamValue>) : {};
    this.live = host.link(frozen, claimKey);
  }

  get params(): Readonly<Record<string, ParamValue>> {
    return { ...this.paramValues };
  }

  /** How many objectives the study has: what `report` and the objective's result must carry. */
  get objectives(): number {
    return this.host.objectives();
  }

  get userAttrs(): Readonly<Record<string, unknown>> {
    return { ...this.attrs };
  }

  /** Values the sampler drew jointly for `space` when the trial was asked; `suggest` uses them for matching names. */
  setRelative(space: Record<string, Distribution>, values: Record<string, ParamValue>): void {
    this.relative = { space, values };
  }

  suggest(name: string, distribution: Distribution): ParamValue {
    this.checkUsable(`suggest("${name}")`);
    const problems = distributionProblems(distribution);
    if (problems.length > 0) {
      throw new RangeError(
        `trial ${this.number}, parameter "${name}": ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      );
    }
    if (name in this.paramValues) {
      const conflict = distributionConflict(this.distributions[name], distribution);
      if (conflict) {
        throw new DistributionConflictError(
          `trial ${this.number}: parameter "${name}" was already suggested with another distribution (${conflict})`,
        );
      }
      return this.paramValues[name];
    }
    const known = this.host.knownDistribution(name);
    const conflict = known && distributionConflict(known, distribution);
    if (conflict) {
      throw new DistributionConflictError(
        `trial ${this.number}: parameter "${name}" has another distribution in earlier trials of the study (${conflict}); give each distinct distribution its own name`,
      );
    }
    let value: ParamValue;
    if (name in this.fixed) {
      value = this.fixed[name];
      checkParamValue(`trial ${this.number}, enqueued parameter "${name}"`, value, distribution);
    } else if (this.relative && name in this.relative.values && usableRelative(this.relative.space[name], distribution, this.relative.values[name])) {
      value = this.relative.values[name];
    } else {
      value = this.host.sampleIndependent(this.snapshot(), name, distribution);
    }
    this.paramValues[name] = value;
    this.distributions[name] = distribution;
    this.pendingParams.push({ name, value, distribution });
    this.host.trialChanged(this);
    return value;
  }

  report(value: number | readonly number[], step: number): void {
    this.checkUsable('report');
    checkReport(this.number, value, step, this.host.objectives());
    // Optuna's rule, kept by every storage: a repeated step keeps its first value.
    if (this.intermediate.has(step)) return;
    const copy = typeof value === 'number' ? value : [...value];
    this.intermediate.set(step, copy);
    this.pendingValues.push([step, copy]);
    this.host.trialChanged(this);
  }

  setConstraint(values: readonly number[]): void {
    this.checkUsable('setConstraint');
    this.recordSystemAttr(CONSTRAINTS_ATTR, [...checkConstraintValues(this.number, values)]);
  }

  shouldPrune(): boolean {
    this.checkUsable('shouldPrune');
    return this.host.prune(this.snapshot());
  }

  setUserAttr(key: string, value: unknown): void {
    this.checkUsable(`setUserAttr("${key}")`);
    checkJson(`trial ${this.number}, user attribute "${key}"`, value);
    this.attrs[key] = value;
    (this.pendingAttrs ??= {})[key] = value;
    this.host.trialChanged(this);
  }

  /**
   * Records a system attribute with the trial's next write (the executor
   * records who runs it: `worker`, see worker-identity.ts).
   * @internal Not for objectives: system attributes are caviar's own.
   */
  recordSystemAttr(key: string, value: unknown): void {
    checkJson(`trial ${this.number}, system attribute "${key}"`, value);
    this.systemAttrs[key] = value;
    this.ownSystemAttrs[key] = value;
    (this.pendingSystemAttrs ??= {})[key] = value;
    this.host.trialChanged(this);
  }

  /** The trial as samplers and pruners see it: running, with everything set so far. */
  snapshot(): FrozenTrial {
    return {
      id: this.id,
      number: this.number,
      state: 'running',
      params: { ...this.paramValues },
      distributions: { ...this.distributions },
      ...intermediateFields(this.intermediate, this.host.objectives()),
      userAttrs: { ...this.attrs },
      systemAttrs: { ...this.systemAttrs },
      ...(Array.isArray(this.systemAttrs[CONSTRAINTS_ATTR]) ? { constraints: [...(this.systemAttrs[CONSTRAINTS_ATTR] as number[])] } : {}),
      ...(this.startedAt !== undefined ? { startedAt: this.startedAt } : {}),
    };
  }

  /**
   * The last reported value (by step), which a pruned trial keeps as its
   * value; undefined in a multi-objective study (a pruned trial there has no values).
   */
  lastIntermediate(): number | undefined {
    let best: IntermediateValue | undefined;
    let bestStep = -1;
    for (const [s, v] of this.intermediate) if (s > bestStep) [bestStep, best] = [s, v];
    return typeof best === 'number' ? best : undefined;
  }

  /**
   * Everything the trial holds, as one batch of writes: every parameter,
   * intermediate value and user attribute so far, and its claim key. The
   * final write sends it, so that earlier writes a database crash rolled back
   * (PostgreSQL with durability=fast) are written again with the result, and
   * a value is never stored without the parameters it was computed from.
   * Writes the storage already has are no-ops.
   */
  everything(): TrialUpdate {
    const params = Object.keys(this.paramValues).map((name) => ({ name, value: this.paramValues[name], distribution: this.distributions[name] }));
    return {
      ...(params.length ? { params } : {}),
      ...(this.intermediate.size ? { intermediate: [...this.intermediate] } : {}),
      ...(Object.keys(this.attrs).length ? { userAttrs: { ...this.attrs } } : {}),
      ...(Object.keys(this.ownSystemAttrs).length ? { systemAttrs: { ...this.ownSystemAttrs } } : {}),
      ...(this.claimKey !== undefined ? { claimKey: this.claimKey } : {}),
    };
  }

  /** Hands the buffered writes to the caller (the study), emptying the buffer. */
  takePending(): TrialUpdate | undefined {
    if (this.pendingParams.length === 0 && this.pendingValues.length === 0 && !this.pendingAttrs && !this.pendingSystemAttrs) return undefined;
    const update: TrialUpdate = {
      ...(this.pendingParams.length ? { params: this.pendingParams } : {}),
      ...(this.pendingValues.length ? { intermediate: this.pendingValues } : {}),
      ...(this.pendingAttrs ? { userAttrs: this.pendingAttrs } : {}),
      ...(this.pendingSystemAttrs ? { systemAttrs: this.pendingSystemAttrs } : {}),
    };
    this.pendingParams = [];
    this.pendingValues = [];
    this.pendingAttrs = undefined;
    this.pendingSystemAttrs = undefined;
    return update;
  }

  private checkUsable(what: string): void {
    if (this.finished) throw new TrialFinishedError(this.number, 'finished');
    if (this.lost !== undefined) {
      const e = this.lost as Error;
      throw new Error(`trial ${this.number}, ${what}: the trial was lost, its result will be dropped: ${e.message ?? e}`, { cause: e });
    }
    if (this.flushError !== undefined) {
      const e = this.flushError as Error;
      throw new Error(`trial ${this.number}, ${what}: an earlier write failed: ${e.message ?? e}`, { cause: e });
    }
  }
}

/**
 * Whether a value the sampler drew jointly may stand for this suggest call:
 * Optuna's rule, a compatible distribution that contains the value.
 */
function usableRelative(space: Distribution | undefined, asked: Distribution, value: ParamValue): boolean {
  return space !== undefined && distributionConflict(space, asked) === undefined && distributionContains(asked, value);
}

/** The system attribute that holds a trial's constraint values (Optuna's name for it). */
export const CONSTRAINTS_ATTR = 'constraints';

/**
 * Throws unless `value` is what a study of `objectives` objectives takes at
 * `step`: one number, or (two or more objectives) one number per objective.
 * Written once for the trials of this thread and of worker threads.
 */
export function checkReport(trialNumber: number, value: unknown, step: unknown, objectives: number): void {
  const where = `trial ${trialNumber}: report(value, step)`;
  if (objectives === 1 && typeof value !== 'number') {
    throw new TypeError(`${where} needs a number, got ${Array.isArray(value) ? 'an array (this study has one objective)' : typeof value}`);
  }
  if (objectives > 1 && !(Array.isArray(value) && value.length === objectives && value.every((v) => typeof v === 'number'))) {
    throw new TypeError(`${where} needs ${objectives} numbers, one per objective of the study, got ${JSON.stringify(value) ?? typeof value}`);
  }
  if (!Number.isInteger(step) || (step as number) < 0) {
    throw new RangeError(`trial ${trialNumber}: report step must be an integer >= 0, got ${String(step)}`);
  }
}

/** Throws unless `values` are constraint values: a non-empty array of finite numbers (<= 0 feasible). */
export function checkConstraintValues(trialNumber: number, values: unknown): readonly number[] {
  if (!isFiniteVector(values)) {
    throw new RangeError(
      `trial ${trialNumber}: setConstraint needs a non-empty array of finite numbers (each <= 0 when feasible), got ${JSON.stringify(values) ?? typeof values}`,
    );
  }
  return values;
}

/** A trial's reports as FrozenTrial fields: scalars, or (several objectives) the vectors and their first components. */
function intermediateFields(
  reports: ReadonlyMap<number, IntermediateValue>,
  objectives: number,
): Pick<FrozenTrial, 'intermediate' | 'intermediateVectors'> {
  if (objectives === 1) return { intermediate: new Map(reports as ReadonlyMap<number, number>) };
  const intermediate = new Map<number, number>();
  const intermediateVectors = new Map<number, readonly number[]>();
  for (const [step, v] of reports) {
    const vector = typeof v === 'number' ? [v] : v;
    intermediate.set(step, vector[0]);
    intermediateVectors.set(step, [...vector]);
  }
  return { intermediate, intermediateVectors };
}
