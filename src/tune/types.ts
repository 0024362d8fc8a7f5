/**
 * The few types every part of the tuner shares: parameter distributions,
 * frozen trials, and the two small interfaces that samplers and pruners
 * implement. Samplers and pruners see a study only through `StudyView`;
 * they never read storage.
 */

/** A parameter value as the user sees it. */
export type ParamValue = number | string | boolean | null;

/**
 * How a float parameter is spread over its range.
 * - `linear`: uniform in [low, high].
 * - `log`: uniform in log10 space (learning rate 1e-4..1 is `10^U(-4, 0)`).
 * - `oneMinusBeta`: the course's scale for exponentially weighted averages:
 *   `1 - beta` is log-uniform, so beta in 0.9..0.999 is `1 - 10^U(-3, -1)`.
 */
export type FloatScale = 'linear' | 'log' | 'oneMinusBeta';

export interface FloatDistribution {
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  readonly scale: FloatScale;
  /** Optional grid step on the linear scale (only with scale `linear`). */
  readonly step?: number;
}

export interface IntDistribution {
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  /** Values are low, low + step, ... <= high. */
  readonly step: number;
  readonly scale: 'linear' | 'log';
}

export interface CategoricalDistribution {
  readonly type: 'categorical';
  readonly choices: readonly ParamValue[];
}

export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

export type TrialState = 'waiting' | 'running' | 'complete' | 'pruned' | 'failed';

export type Direction = 'minimize' | 'maximize';

/** A read-only snapshot of one trial. */
export interface FrozenTrial {
  /** Storage-wide unique id. */
  readonly id: number;
  /** 0-based position of the trial within its study. */
  readonly number: number;
  readonly state: TrialState;
  /** Parameters suggested so far, in the user's own values. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** Objective value of a complete trial of a single-objective study (absent in multi-objective studies). */
  readonly value?: number;
  /**
   * Objective values of a complete trial of a multi-objective study, one per
   * direction of the study (absent in single-objective studies, which use `value`).
   */
  readonly values?: readonly number[];
  /**
   * Constraint values the trial recorded (`trial.setConstraint`); the trial is
   * feasible when each is <= 0 (multi/constraints.ts). Absent: feasible.
   * Kept in the system attribute `constraints`, as Optuna keeps them.
   */
  readonly constraints?: readonly number[];
  /**
   * Intermediate values reported with `trial.report(value, step)`, keyed by
   * step. In a multi-objective study, the first objective's component of each
   * reported vector (so that single-value charts draw it); the whole vectors
   * are in `intermediateVectors`.
   */
  readonly intermediate: ReadonlyMap<number, number>;
  /** Multi-objective studies: the vectors reported with `trial.report([v1, v2], step)`, keyed by step. */
  readonly intermediateVectors?: ReadonlyMap<number, readonly number[]>;
  readonly userAttrs: Readonly<Record<string, unknown>>;
  readonly systemAttrs: Readonly<Record<string, unknown>>;
  /** Milliseconds since the epoch. */
  readonly startedAt?: number;
  readonly completedAt?: number;
}

/** What samplers and pruners may know of a study. */
export interface StudyView {
  /** The direction of a single-objective study; of the first objective in a multi-objective one. */
  readonly direction: Direction;
  /** One direction per objective: `[direction]` for a single-objective study. */
  readonly directions: readonly Direction[];
  /** Trials of the study, optionally only those in the given states, in trial-number order. */
  trials(states?: readonly TrialState[]): readonly FrozenTrial[];
  /** Study-level attributes a sampler may keep (e.g. the coarse-to-fine regions). */
  readonly systemAttrs: Readonly<Record<string, unknown>>;
  setSystemAttr(key: string, value: unknown): void;
}

/**
 * A sampler proposes parameter values. It is called once per trial with
 * `sampleRelative` (joint sampling over the space inferred from past trials)
 * and then for each parameter not covered with `sampleIndependent`.
 * Values returned are in the parameter's own scale (user values).
 */
export interface Sampler {
  readonly name: string;
  inferRelativeSpace?(study: StudyView, trial: FrozenTrial): Record<string, Distribution>;
  sampleRelative?(
    study: StudyView,
    trial: FrozenTrial,
    space: Record<string, Distribution>,
  ): Record<string, ParamValue>;
  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue;
  /** Called when a trial finishes (any state), e.g. to update incremental statistics. */
  afterTrial?(study: StudyView, trial: FrozenTrial): void;
}

/** A pruner decides, from a running trial's intermediate values and the study's, whether to stop it. */
export interface Pruner {
  readonly name: string;
  prune(study: StudyView, trial: FrozenTrial): boolean;
}
