/**
 * The median rule: stop a trial whose best value so far is worse than the
 * median of what complete trials had reported at the same step.
 */
import { PercentilePruner, type PercentilePrunerOptions } from './percentile.js';

/**
 * `PercentilePruner` at the 50th percentile.
 *
 * @example
 *   const pruner = new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 2 });
 */
export class MedianPruner extends PercentilePruner {
  override readonly name = 'median';

  constructor(options: PercentilePrunerOptions = {}) {
    super(50, options);
  }
}
