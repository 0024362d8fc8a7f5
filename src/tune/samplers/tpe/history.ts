/**
 * The finished trials TPE learns from, kept ranked as they arrive so that
 * a new trial costs one binary insertion, not a re-sort of the study.
 *
 * Ranking (best first), as in Optuna: complete trials as rank.ts ranks
 * them (by the objective in the study's direction, ties to the earlier
 * trial; kept here by insertion, a test holds the two to one order); then
 * pruned trials, those that got further first, each step's ties by the
 * value they reported there. Loss is the objective for a minimized study
 * and its negation for a maximized one.
 *
 * A multi-objective study's complete trials carry their loss vectors
 * instead (`losses`); their order among themselves does not matter (split.ts
 * ranks them by non-dominated sorting). Every observation carries its
 * constraint violation (0 when feasible), for the feasible split of c-TPE.
 *
 * The history also keeps the intersection search space (the parameters
 * every complete trial has, each with one distribution) incrementally, and
 * caches each observation's internal coordinates.
 */
import type { Direction, Distribution, FrozenTrial, ParamValue, StudyView } from '../../types.js';
import { choiceIndex, internalRange, toInternal } from '../../space/scale.js';
import { trialLosses } from '../../multi/objectives.js';
import { violation } from '../../multi/constraints.js';

export interface Observation {
  readonly id: number;
  readonly number: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** 0: complete, 1: pruned. */
  readonly tier: 0 | 1;
  /** Minus the last step reported (pruned), 0 (complete). */
  readonly depth: number;
  readonly loss: number;
  /** A multi-objective study's complete trial: its objectives as losses (lower is better in each). */
  readonly losses?: readonly number[];
  /** Sum of the positive constraint values (0: feasible or no constraints). */
  readonly violation: number;
  /** Cached internal coordinates for the space `rowKey` names (null: the trial lacks one of its parameters). */
  rowKey?: string;
  row?: Float64Array | null;
}

/**
 * @example
 *   const history = new TrialHistory('minimize');
 *   history.sync(study, trial.id);       // picks up trials finished since the last call
 *   history.ranked[0];                    // the best observation
 */
export class TrialHistory {
  /** Finished trials, best first. */
  readonly ranked: Observation[] = [];
  /** The same trials, oldest first. */
  readonly byNumber: Observation[] = [];
  private readonly seen = new Set<number>();
  private intersection: Map<string, { distribution: Distribution; key: string }> | undefined;
  private lastSyncedFor = -1;

  /** Loss = sign * value: the objective, turned so that lower is better. */
  private readonly sign: 1 | -1;
  /** The study's number of objectives. */
  readonly objectives: number;
  /** Several objectives: complete trials carry `losses`. */
  readonly multiObjective: boolean;
  /** Observations with a constraint violated (c-TPE's split applies only when there is one). */
  infeasible = 0;

  constructor(
    direction: Direction,
    private readonly directions: readonly Direction[] = [direction],
  ) {
    this.sign = direction === 'minimize' ? 1 : -1;
    this.objectives = directions.length;
    this.multiObjective = directions.length > 1;
  }

  get size(): number {
    return this.ranked.length;
  }

  /** Adds the finished trials this history has not seen (other workers' trials reach us here). */
  sync(study: StudyView, forTrialId: number): void {
    if (forTrialId === this.lastSyncedFor) return;
    this.lastSyncedFor = forTrialId;
    for (const t of study.trials(['complete', 'pruned'])) if (!this.seen.has(t.id)) this.add(t);
  }

  add(trial: FrozenTrial): void {
    if (this.seen.has(trial.id) || (trial.state !== 'complete' && trial.state !== 'pruned')) return;
    let obs: Observation;
    const broken = violation(trial);
    if (trial.state === 'complete' && this.multiObjective) {
      const losses = trialLosses(trial, this.directions);
      if (losses === null) return;
      obs = { id: trial.id, number: trial.number, params: trial.params, tier: 0, depth: 0, loss: 0, losses, violation: broken };
      this.intersect(trial);
    } else if (trial.state === 'complete') {
      // Not isRanked: that leaves infeasible trials out, and c-TPE learns from them as bad ones.
      if (typeof trial.value !== 'number' || !Number.isFinite(trial.value)) return;
      obs = { id: trial.id, number: trial.number, params: trial.params, tier: 0, depth: 0, loss: this.sign * trial.value, violation: broken };
      this.intersect(trial);
    } else {
      let lastStep = -Infinity;
      for (const step of trial.intermediate.keys()) if (step > lastStep) lastStep = step;
      const v = lastStep === -Infinity ? NaN : trial.intermediate.get(lastStep)!;
      const loss = Number.isFinite(v) ? this.sign * v : Infinity;
      obs = { id: trial.id, number: trial.number, params: trial.params, tier: 1, depth: -lastStep, loss, violation: broken };
    }
    if (broken > 0) this.infeasible++;
    this.seen.add(trial.id);
    this.ranked.splice(insertionPoint(this.ranked, obs, compare), 0, obs);
    this.byNumber.splice(insertionPoint(this.byNumber, obs, (a, b) => a.number - b.number), 0, obs);
  }

  /** The parameters every complete trial has with the same distribution (single-valued ones left out). */
  intersectionSpace(): Record<string, Distribution> {
    const out: Record<string, Distribution> = {};
    if (this.intersection === undefined) return out;
    for (const [name, { distribution }] of this.intersection) if (!isSingle(distribution)) out[name] = distribution;
    return out;
  }

  private intersect(trial: FrozenTrial): void {
    if (this.intersection === undefined) {
      this.intersection = new Map(Object.entries(trial.distributions).map(([n, d]) => [n, { distribution: d, key: distributionKey(d) }]));
      return;
    }
    for (const [name, entry] of this.intersection) {
      const d = trial.distributions[name];
      if (d === undefined || (d !== entry.distribution && distributionKey(d) !== entry.key)) this.intersection.delete(name);
    }
  }
}

function insertionPoint(list: readonly Observation[], obs: Observation, cmp: (a: Observation, b: Observation) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(list[mid], obs) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function compare(a: Observation, b: Observation): number {
  return a.tier - b.tier || a.depth - b.depth || a.loss - b.loss || a.number - b.number;
}

/**
 * The internal coordinates of `params` for the parameters `names` with
 * distributions `dists` (each clipped to its internal range), or null when
 * one is missing or unusable.
 *
 * @example
 *   internalRow({ lr: 0.01, opt: 'sgd' }, ['lr', 'opt'], [floatParam(1e-4, 1, { scale: 'log' }), categorical(['adam', 'sgd'])]);
 *   // Float64Array [-2, 1]
 */
export function internalRow(params: Readonly<Record<string, ParamValue>>, names: readonly string[], dists: readonly Distribution[]): Float64Array | null {
  const row = new Float64Array(names.length);
  for (let j = 0; j < names.length; j++) {
    if (!(names[j] in params)) return null;
    const v = params[names[j]];
    const d = dists[j];
    if (d.type === 'categorical') {
      const x = choiceIndex(d, v);
      if (x < 0) return null;
      row[j] = x;
    } else {
      if (typeof v !== 'number' || (d.scale === 'log' && !(v > 0)) || (d.scale === 'oneMinusBeta' && !(v < 1))) return null;
      const r = internalRange(d);
      row[j] = Math.min(r.high, Math.max(r.low, toInternal(d, v)));
    }
  }
  return row;
}

/**
 * A string that is equal for equal distributions.
 *
 * @example
 *   distributionKey(intParam(1, 3)); // 'int:1:3:linear:1'
 */
export function distributionKey(d: Distribution): string {
  if (d.type === 'categorical') return `c:${JSON.stringify(d.choices)}`;
  return `${d.type}:${d.low}:${d.high}:${d.scale}:${d.step ?? ''}`;
}

function isSingle(d: Distribution): boolean {
  return d.type === 'categorical' ? d.choices.length === 1 : d.low === d.high;
}
