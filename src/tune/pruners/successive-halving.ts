/**
 * Asynchronous successive halving (ASHA; Li et al., "A System for Massively
 * Parallel Hyperparameter Tuning", 2020). Rung r sits at step
 * `minResource * eta^(minEarlyStoppingRate + r)`. When a trial first reports
 * at or past a rung, it is compared with every trial that has reached that
 * rung: it goes on only if it is in the top 1/eta of them (itself included),
 * otherwise it is pruned. Nobody waits for a rung to fill, which is what
 * makes it asynchronous: early trials are promoted generously, later ones
 * face more competition.
 *
 * A trial's value at a rung is read from its intermediate values (the first
 * report at or past the rung's step), so no extra state is written, and the
 * values of pruned trials, which storage keeps, stay in the competition.
 * The decision for a rung is taken at the first report past it; call
 * `shouldPrune` after every report, as with any pruner.
 */
import type { FrozenTrial, Pruner, StudyView } from '../types.js';
import { checkCount, lastStep, previousStep } from './intermediate.js';

export interface SuccessiveHalvingOptions {
  /** Step of the first rung (default 1), or 'auto': 1% of the steps of the first complete trial, at least 1. */
  minResource?: number | 'auto';
  /** eta: each rung keeps the top 1/eta (default 4, Optuna's). */
  reductionFactor?: number;
  /** s: shifts every rung up by eta^s steps (default 0). */
  minEarlyStoppingRate?: number;
  /** Trials that must reach a rung before anyone is promoted past it; until then they are pruned (default 0). */
  bootstrapCount?: number;
}

/**
 * ASHA pruning.
 *
 * @example
 *   const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 });
 *   // rungs at steps 1, 3, 9, 27, ...: at each, a trial must be in the top third to continue.
 */
export class SuccessiveHalvingPruner implements Pruner {
  readonly name = 'successive-halving';
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;
  private minResource: number | 'auto';

  constructor(options: SuccessiveHalvingOptions = {}) {
    this.minResource = options.minResource ?? 1;
    this.reductionFactor = options.reductionFactor ?? 4;
    this.minEarlyStoppingRate = options.minEarlyStoppingRate ?? 0;
    this.bootstrapCount = options.bootstrapCount ?? 0;
    if (this.minResource !== 'auto' && !(this.minResource > 0)) throw new RangeError(`minResource must be > 0 or 'auto', got ${this.minResource}`);
    if (!(this.reductionFactor >= 2)) throw new RangeError(`reductionFactor must be >= 2, got ${this.reductionFactor}`);
    checkCount('minEarlyStoppingRate', this.minEarlyStoppingRate, 0);
    checkCount('bootstrapCount', this.bootstrapCount, 0);
  }

  /** The step of rung `rung`, or undefined while minResource is 'auto' and no trial has completed. */
  rungStep(rung: number, study?: StudyView): number | undefined {
    const min = this.resolveMinResource(study);
    return min === undefined ? undefined : min * this.reductionFactor ** (this.minEarlyStoppingRate + rung);
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    return this.pruneAmong(study, trial, study.trials());
  }

  /** The decision against the given competitors only (Hyperband passes the trials of one bracket). */
  pruneAmong(study: StudyView, trial: FrozenTrial, competitors: readonly FrozenTrial[]): boolean {
    const step = lastStep(trial);
    if (step === undefined) return false;
    const before = previousStep(trial);
    const minimize = study.direction === 'minimize';
    for (let rung = 0; ; rung++) {
      const rungStep = this.rungStep(rung, study);
      if (rungStep === undefined || step < rungStep) return false;
      if (before >= rungStep) continue; // judged at an earlier report, and promoted
      const value = trial.intermediate.get(step)!;
      if (Number.isNaN(value)) return true;
      const values: number[] = [value];
      for (const t of competitors) {
        if (t.id === trial.id) continue;
        const v = valueAtRung(t, rungStep);
        if (v !== undefined) values.push(v);
      }
      if (this.bootstrapCount > 0 && values.length <= this.bootstrapCount) return true;
      if (!promotable(value, values, this.reductionFactor, minimize)) return true;
    }
  }

  private resolveMinResource(study?: StudyView): number | undefined {
    if (this.minResource !== 'auto') return this.minResource;
    if (study === undefined) return undefined;
    const first = study.trials(['complete']).find((t) => lastStep(t) !== undefined);
    if (first === undefined) return undefined;
    this.minResource = Math.max(Math.floor(lastStep(first)! / 100), 1);
    return this.minResource;
  }
}

/** A trial's value at a rung: its first report at or past the rung's step (NaN sorts last). */
function valueAtRung(trial: FrozenTrial, rungStep: number): number | undefined {
  // Most objectives report every step: then the rung's own step is there, no scan needed.
  const exact = trial.intermediate.get(rungStep);
  if (exact !== undefined) return exact;
  let bestStep = Infinity;
  for (const s of trial.intermediate.keys()) if (s >= rungStep && s < bestStep) bestStep = s;
  return bestStep === Infinity ? undefined : trial.intermediate.get(bestStep);
}

/**
 * Whether `value` is in the top 1/eta of `values` (which include it): the
 * k-th best with k = max(1, floor(n / eta)) is the bar, as in Optuna.
 *
 * @example
 *   promotable(3, [1, 2, 3, 4, 5, 6, 7, 8, 9], 3, true); // true: 1, 2, 3 go on
 *   promotable(4, [1, 2, 3, 4, 5, 6, 7, 8, 9], 3, true); // false
 */
export function promotable(value: number, values: readonly number[], eta: number, minimize: boolean): boolean {
  const clean = values.filter((v) => !Number.isNaN(v)).sort((a, b) => (minimize ? a - b : b - a));
  const k = Math.max(1, Math.floor(values.length / eta));
  const bar = clean[Math.min(k, clean.length) - 1];
  return minimize ? value <= bar : value >= bar;
}
