/**
 * What a study is opened with: the objective's type, how this process runs
 * the study (`StudyOptions`), what `createStudy` and `loadStudy` take, and
 * their checks. Kept apart from study.ts so the class there reads as what a
 * study does, not how it is configured.
 */
import type { Pruner, Sampler, Direction } from './types.js';
import type { Scheduler } from './pbt.js';
import type { StorageSpec } from './storage/open.js';
import type { Trial } from './trial.js';

/**
 * An objective run in this thread: returns the value to minimize or
 * maximize, or in a multi-objective study one value per direction.
 */
export type Objective = (trial: Trial) => number | readonly number[] | Promise<number | readonly number[]>;

/** Options shared by `createStudy` and `loadStudy`: how this process runs the study. */
export interface StudyOptions {
  /** Default: `RandomSampler`, seeded with `seed`. */
  readonly sampler?: Sampler;
  /** Default: none (no trial is pruned). */
  readonly pruner?: Pruner;
  /** Seed of the default sampler (pass a seed to your own sampler's constructor instead). */
  readonly seed?: number;
  /**
   * How often running trials tell storage they are alive (ms). Default 10000
   * for a file or database, 0 (off) for memory, where no other process can
   * outlive this one. A synchronous objective that never awaits blocks the
   * heartbeats of its own thread; run such objectives as a module (workers).
   */
  readonly heartbeatMs?: number;
  /** A running trial with no heartbeat for this long is failed (ms; default the larger of 60000 and 3 heartbeats). */
  readonly graceMs?: number;
  /** How many times a trial whose process died is re-run (default 0). */
  readonly maxRetries?: number;
  /**
   * Decides which trials exist before each claim (population-based training,
   * `PopulationBasedTraining` in pbt.ts); the sampler still draws values for
   * the names a scheduled trial does not fix.
   */
  readonly scheduler?: Scheduler;
  /**
   * Where a one-line warning goes (a trial lost in a database crash, a result
   * that came after its trial was declared dead). Default: `process.emitWarning`.
   */
  readonly onWarning?: (message: string) => void;
}

/** Options of `createStudy`. */
export interface CreateStudyOptions extends StudyOptions {
  /** Unique in its storage; a fresh unique name when absent. */
  readonly name?: string;
  /** A Storage, `':memory:'` (default), a file path or `sqlite:path`. */
  readonly storage?: StorageSpec;
  readonly direction?: Direction;
  /**
   * A multi-objective study: one direction per objective (two or more), for
   * example `['maximize', 'minimize']` for accuracy and latency. Its
   * objectives return one value per direction, and its best trials are the
   * Pareto front (`bestTrials`). Give `direction` or `directions`, not both.
   */
  readonly directions?: readonly Direction[];
  /** Reuse a study of that name if the storage has one (its direction must match). */
  readonly loadIfExists?: boolean;
  readonly userAttrs?: Readonly<Record<string, unknown>>;
  /** A study-level JSON document, such as the experiment file. */
  readonly data?: unknown;
}

/** Options of `loadStudy`. */
export interface LoadStudyOptions extends StudyOptions {
  readonly name: string;
  readonly storage: StorageSpec;
  /**
   * With a Storage object: the study closes it when it closes (as it does a
   * storage it opened from a string), for a caller that opened the storage
   * only to hand it over. Default false.
   */
  readonly closeStorage?: boolean;
}

/** The directions `createStudy` was asked for, checked; undefined when it was given none. */
export function requestedDirections(options: CreateStudyOptions): readonly Direction[] | undefined {
  const { direction, directions } = options;
  if (directions === undefined) return direction === undefined ? undefined : [direction];
  const where = `createStudy${options.name ? ` "${options.name}"` : ''}`;
  if (direction !== undefined) throw new TypeError(`${where}: give direction or directions, not both`);
  if (!Array.isArray(directions) || directions.length === 0 || !directions.every((d) => d === 'minimize' || d === 'maximize')) {
    throw new TypeError(`${where}: directions must be a non-empty array of "minimize" and "maximize", got ${JSON.stringify(directions)}`);
  }
  return directions;
}

/** `v`, checked to be a finite number >= 0 (the timing options). */
export function nonNegative(what: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${what} must be a number >= 0, got ${v}`);
  return v;
}
