/**
 * Pruning with several objectives: stop a trial whose intermediate vector
 * is dominated by enough of the complete trials' vectors at the same step.
 * (Optuna has no multi-objective pruner: its issue #3450, open since 2022.)
 *
 * The trial's vector is its best so far in each objective (component-wise,
 * over every step it reported), the optimistic reading the median rule
 * takes of one objective. Each complete trial contributes what it reported
 * at the same step. With `fraction` f of the n complete trials there, the
 * rule counts the trials that dominate the trial's vector, c, against the
 * position f(n - 1) in the sorted order that numpy's percentile reads
 * (lo = its integer part, t = its fraction):
 *
 * - c >= lo + 2: pruned; c <= lo: kept;
 * - c = lo + 1: pruned when t = 0, or when the trial is dominated by the
 *   point t of the way from its dominators' worst corner to the others'
 *   best corner (the interpolation the percentile makes between two ranks).
 *
 * With one objective, "dominated" is "strictly worse", the dominators are
 * the values below the trial's, and this is exactly "worse than the
 * f-percentile": fraction 0.5 is the median rule (median.ts), fraction
 * 0.25 is `PercentilePruner(25)`; the tests hold the two to the same
 * answers. With `minDominating` k instead, the rule is simply c >= k.
 *
 * Warm-up steps, interval steps, startup and minimum trials work as in
 * percentile.ts. A trial that reported nothing but NaN in some objective
 * has diverged and is pruned.
 */
import type { FrozenTrial, Pruner, StudyView } from '../types.js';
import { directionsOf } from '../multi/objectives.js';
import { lossDominates } from '../multi/sort.js';
import { checkCount, checkpointDue, checkpointOptions, type CheckpointOptions } from './intermediate.js';

export interface DominancePrunerOptions extends CheckpointOptions {
  /** Share of the complete trials at the step that must dominate the trial (default 0.5: the median rule). */
  fraction?: number;
  /** Or a number of them: pruned when at least this many dominate it (overrides `fraction`). */
  minDominating?: number;
}

/**
 * @example
 *   const pruner = new DominancePruner({ nWarmupSteps: 3 });
 *   // a study with directions ['maximize', 'minimize']: trial.report([devAccuracy, modelBytes], epoch);
 *   // pruned once half the complete trials had a better accuracy AND a smaller model at that epoch.
 */
export class DominancePruner implements Pruner {
  readonly name = 'dominance';
  readonly fraction: number;
  readonly minDominating: number | undefined;
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;

  constructor(options: DominancePrunerOptions = {}) {
    this.fraction = options.fraction ?? 0.5;
    this.minDominating = options.minDominating;
    if (!(this.fraction >= 0 && this.fraction <= 1)) throw new RangeError(`fraction must be in [0, 1], got ${this.fraction}`);
    if (this.minDominating !== undefined) checkCount('minDominating', this.minDominating, 1);
    ({ nStartupTrials: this.nStartupTrials, nWarmupSteps: this.nWarmupSteps, intervalSteps: this.intervalSteps, nMinTrials: this.nMinTrials } =
      checkpointOptions(options));
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const due = checkpointDue(study, trial, this);
    if (due === undefined) return false;
    const { step, complete } = due;

    const directions = directionsOf(study);
    const sign = directions.map((d) => (d === 'maximize' ? -1 : 1));
    // The trial's best loss so far in each objective.
    const best = sign.map(() => NaN);
    for (const vector of reports(trial, directions.length).values()) {
      vector.forEach((v, k) => {
        const loss = sign[k] * v;
        if (!Number.isNaN(loss) && !(loss >= best[k])) best[k] = loss;
      });
    }
    if (best.some(Number.isNaN)) return true; // an objective with nothing but NaN: the run diverged

    const others: number[][] = [];
    for (const t of complete) {
      const v = reports(t, directions.length).get(step);
      if (v !== undefined && v.length === sign.length && !v.some(Number.isNaN)) others.push(v.map((x, k) => sign[k] * x));
    }
    if (others.length < this.nMinTrials) return false;
    const dominators = others.filter((o) => lossDominates(o, best));
    if (this.minDominating !== undefined) return dominators.length >= this.minDominating;

    const position = this.fraction * (others.length - 1);
    const lo = Math.floor(position);
    const t = position - lo;
    if (dominators.length >= lo + 2) return true;
    if (dominators.length <= lo) return false;
    if (t === 0) return true;
    // Between two ranks: interpolate, as the percentile does between two sorted values.
    const rest = others.filter((o) => !lossDominates(o, best));
    const between = best.map((_, k) => {
      const worstDominator = Math.max(...dominators.map((o) => o[k]));
      const bestOther = Math.min(...rest.map((o) => o[k]));
      return worstDominator + t * (bestOther - worstDominator);
    });
    return lossDominates(between, best);
  }
}

/** A trial's reports by step, as vectors (one objective: its single values). */
function reports(trial: FrozenTrial, objectives: number): ReadonlyMap<number, readonly number[]> {
  if (objectives > 1) return trial.intermediateVectors ?? new Map();
  return new Map([...trial.intermediate].map(([step, v]) => [step, [v]]));
}
