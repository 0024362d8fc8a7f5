/**
 * Percentile pruning: stop a trial whose best value so far is worse than the
 * given percentile of what complete trials had reported at the same step.
 * With 50 this is the median rule (median.ts), the most common one.
 *
 * A trial is never pruned before `nStartupTrials` trials have completed (no
 * reference yet), before step `nWarmupSteps` (early curves are noisy and
 * say little about the end), or between checkpoints: it is judged at the
 * first report at or after each `nWarmupSteps + k * intervalSteps`.
 */
import type { FrozenTrial, Pruner, StudyView } from '../types.js';
import { checkpointDue, checkpointOptions, percentile as percentileOf, type CheckpointOptions } from './intermediate.js';

export type PercentilePrunerOptions = CheckpointOptions;

/**
 * Prunes a trial whose best intermediate value is worse than the `percentile`-th
 * percentile of the complete trials' values at its last step.
 *
 * @example
 *   const pruner = new PercentilePruner(25, { nStartupTrials: 5, nWarmupSteps: 3 });
 *   // in the objective: trial.report(loss, epoch); if (trial.shouldPrune()) stop.
 */
export class PercentilePruner implements Pruner {
  readonly name: string = 'percentile';
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;

  constructor(
    readonly percentile: number,
    options: PercentilePrunerOptions = {},
  ) {
    if (!(percentile >= 0 && percentile <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${percentile}`);
    ({ nStartupTrials: this.nStartupTrials, nWarmupSteps: this.nWarmupSteps, intervalSteps: this.intervalSteps, nMinTrials: this.nMinTrials } =
      checkpointOptions(options));
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const due = checkpointDue(study, trial, this);
    if (due === undefined) return false;
    const { step, complete } = due;

    const minimize = study.direction === 'minimize';
    let best = NaN;
    for (const v of trial.intermediate.values()) {
      if (Number.isNaN(v)) continue;
      if (Number.isNaN(best) || (minimize ? v < best : v > best)) best = v;
    }
    if (Number.isNaN(best)) return true; // nothing but NaN: the run diverged

    const others: number[] = [];
    for (const t of complete) {
      const v = t.intermediate.get(step);
      if (v !== undefined && !Number.isNaN(v)) others.push(v);
    }
    if (others.length < this.nMinTrials) return false;
    const reference = percentileOf(others, minimize ? this.percentile : 100 - this.percentile);
    return minimize ? best > reference : best < reference;
  }
}
