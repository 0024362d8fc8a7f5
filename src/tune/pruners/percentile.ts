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
import { lastStep, percentile as percentileOf, previousStep } from './intermediate.js';

export interface PercentilePrunerOptions {
  /** Complete trials needed before pruning starts (default 5). */
  nStartupTrials?: number;
  /** Steps during which a trial is not pruned (default 0). */
  nWarmupSteps?: number;
  /** Steps between checks after the warm-up (default 1: every step). */
  intervalSteps?: number;
  /** Complete trials that must have reported the step for the comparison to count (default 1). */
  nMinTrials?: number;
}

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
    this.nStartupTrials = options.nStartupTrials ?? 5;
    this.nWarmupSteps = options.nWarmupSteps ?? 0;
    this.intervalSteps = options.intervalSteps ?? 1;
    this.nMinTrials = options.nMinTrials ?? 1;
    if (!(percentile >= 0 && percentile <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${percentile}`);
    checkCount('nStartupTrials', this.nStartupTrials, 0);
    checkCount('nWarmupSteps', this.nWarmupSteps, 0);
    checkCount('intervalSteps', this.intervalSteps, 1);
    checkCount('nMinTrials', this.nMinTrials, 1);
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const step = lastStep(trial);
    if (step === undefined || step < this.nWarmupSteps) return false;
    const complete = study.trials(['complete']);
    if (complete.length === 0 || complete.length < this.nStartupTrials) return false;
    // Judge only the first report at or after each checkpoint.
    const checkpoint = Math.floor((step - this.nWarmupSteps) / this.intervalSteps) * this.intervalSteps + this.nWarmupSteps;
    if (previousStep(trial) >= checkpoint) return false;

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

/**
 * Throws a RangeError unless `value` is an integer >= `min` (shared by the pruners' option checks).
 *
 * @example
 *   checkCount('nWarmupSteps', -1, 0); // RangeError: nWarmupSteps must be an integer >= 0, got -1
 */
export function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}
