/**
 * Hyperband (Li et al., 2018) over ASHA, as in Optuna's HyperbandPruner:
 * several successive-halving brackets run side by side, from aggressive
 * (the first rung at `minResource`, pruning early) to conservative (the
 * first rung near `maxResource`, letting trials run long). Since nobody
 * knows in advance how early a learning curve tells the truth, hedging over
 * brackets costs little and protects against the worst case.
 *
 * Each trial is assigned to one bracket by a hash of its number (the same
 * on every worker), with more trials going to the aggressive brackets, each
 * in proportion to its budget; a trial competes only with trials of its own
 * bracket.
 */
import type { FrozenTrial, Pruner, StudyView } from '../types.js';
import { mixSeed } from '../samplers/seed.js';
import { checkCount, lastStep } from './intermediate.js';
import { SuccessiveHalvingPruner } from './successive-halving.js';

export interface HyperbandOptions {
  /** Step of the first rung of the most aggressive bracket (default 1). */
  minResource?: number;
  /** The most steps a trial runs, or 'auto': the last step of the first complete trial, plus one (default 'auto'). */
  maxResource?: number | 'auto';
  /** eta (default 3). */
  reductionFactor?: number;
  bootstrapCount?: number;
}

/**
 * Hyperband pruning.
 *
 * @example
 *   const pruner = new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 });
 *   pruner.bracketCount(); // 5: first rungs at steps 1, 3, 9, 27, 81
 */
export class HyperbandPruner implements Pruner {
  readonly name = 'hyperband';
  readonly minResource: number;
  readonly reductionFactor: number;
  readonly bootstrapCount: number;
  private maxResource: number | 'auto';
  private brackets: SuccessiveHalvingPruner[] | undefined;
  private budgets: number[] = [];

  constructor(options: HyperbandOptions = {}) {
    this.minResource = options.minResource ?? 1;
    this.maxResource = options.maxResource ?? 'auto';
    this.reductionFactor = options.reductionFactor ?? 3;
    this.bootstrapCount = options.bootstrapCount ?? 0;
    if (!(this.minResource > 0)) throw new RangeError(`minResource must be > 0, got ${this.minResource}`);
    if (this.maxResource !== 'auto' && !(this.maxResource >= this.minResource)) {
      throw new RangeError(`maxResource must be >= minResource (${this.minResource}) or 'auto', got ${this.maxResource}`);
    }
    if (!(this.reductionFactor >= 2)) throw new RangeError(`reductionFactor must be >= 2, got ${this.reductionFactor}`);
    checkCount('bootstrapCount', this.bootstrapCount, 0);
  }

  /** The number of brackets, or undefined while maxResource is 'auto' and no trial has completed. */
  bracketCount(study?: StudyView): number | undefined {
    return this.ensureBrackets(study)?.length;
  }

  /**
   * The bracket of a trial (0 is the most aggressive): a hash of its number, weighted by bracket budgets.
   *
   * @example
   *   pruner.bracketOf(trial, study); // the same on every worker
   */
  bracketOf(trial: FrozenTrial, study?: StudyView): number | undefined {
    if (this.ensureBrackets(study) === undefined) return undefined;
    const total = this.budgets.reduce((a, b) => a + b, 0);
    let n = mixSeed(trial.number, 'hyperband') % total;
    for (let i = 0; i < this.budgets.length; i++) {
      if (n < this.budgets[i]) return i;
      n -= this.budgets[i];
    }
    return this.budgets.length - 1;
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const brackets = this.ensureBrackets(study);
    if (brackets === undefined) return false;
    const bracket = this.bracketOf(trial, study)!;
    const sameBracket = study.trials().filter((t) => this.bracketOf(t, study) === bracket);
    return brackets[bracket].pruneAmong(study, trial, sameBracket);
  }

  private ensureBrackets(study?: StudyView): SuccessiveHalvingPruner[] | undefined {
    if (this.brackets !== undefined) return this.brackets;
    if (this.maxResource === 'auto') {
      const steps = (study?.trials(['complete']) ?? []).map(lastStep).filter((s): s is number => s !== undefined);
      if (steps.length === 0) return undefined;
      this.maxResource = Math.max(...steps) + 1;
    }
    const eta = this.reductionFactor;
    // floor(log_eta(max / min)) + 1, guarded against 3^4 / 1 coming out as 3.9999999.
    const count = Math.floor(Math.log(this.maxResource / this.minResource) / Math.log(eta) + 1e-9) + 1;
    this.brackets = [];
    this.budgets = [];
    for (let i = 0; i < count; i++) {
      this.brackets.push(
        new SuccessiveHalvingPruner({ minResource: this.minResource, reductionFactor: eta, minEarlyStoppingRate: i, bootstrapCount: this.bootstrapCount }),
      );
      // Optuna's budget: the trials a bracket would start in synchronous Hyperband.
      const s = count - 1 - i;
      this.budgets.push(Math.ceil((count * eta ** s) / (s + 1)));
    }
    return this.brackets;
  }
}
