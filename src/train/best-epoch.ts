/**
 * The best epoch of a run, kept: a hook that remembers the weights (and
 * batch-norm running statistics) of the epoch with the best dev metric, in
 * memory, so the run can end with that model instead of the last one —
 * Keras's `EarlyStopping(restore_best_weights=True)` without the stopping.
 * One copy of the weights at most, replaced when an epoch does better: no
 * file per epoch.
 *
 * @example
 *   const best = new BestEpoch((m) => m.devAccuracy, 'maximize');
 *   await model.fit(x, y, { epochs: 15, validation, hooks: [best.hooks] });
 *   best.restore(model); // the weights of epoch best.epoch, whose devAccuracy was best.value
 */
import type { Network } from '../nn/network.js';
import type { EpochMetrics, FitHooks } from './fit.js';

export type Direction = 'maximize' | 'minimize';

export class BestEpoch {
  /** The best epoch so far (1-based), or undefined before any epoch had a finite metric. */
  epoch: number | undefined;
  /** Its metric. */
  value: number | undefined;
  private weights: ReturnType<Network['stateDict']> | undefined;
  /** The last epoch seen, to tell whether restoring changes anything. */
  private last: number | undefined;

  constructor(
    private readonly metricOf: (m: EpochMetrics) => number | undefined,
    private readonly direction: Direction,
  ) {}

  /** The hook to pass to `fit`. Ties keep the earlier epoch: it is no worse and trained less. */
  readonly hooks: FitHooks = {
    onEpochEnd: ({ metrics, model }) => {
      this.last = metrics.epoch;
      const v = this.metricOf(metrics);
      if (v === undefined || !Number.isFinite(v)) return;
      // Accuracy can look fine on weights that overflow: an epoch with an infinite loss is no model to keep.
      if (!Number.isFinite(metrics.loss) || (metrics.devLoss !== undefined && !Number.isFinite(metrics.devLoss))) return;
      const better = this.value === undefined || (this.direction === 'maximize' ? v > this.value : v < this.value);
      if (!better) return;
      this.epoch = metrics.epoch;
      this.value = v;
      this.weights = model.stateDict();
    },
  };

  /**
   * Puts the best epoch's weights back into `model` (the model the hook
   * watched). Returns whether they differed from the last epoch's; false, and
   * nothing changed, when no epoch had a finite metric.
   */
  restore(model: Network): boolean {
    if (!this.weights || this.epoch === this.last) return false;
    model.loadStateDict(this.weights, { source: `the weights of epoch ${this.epoch}` });
    return true;
  }
}
