/**
 * Pruners: one file each behind the `Pruner` interface of ../types.ts, and
 * `createPruner` to build one by name.
 *
 * @example
 *   import { MedianPruner, createPruner } from './pruners/index.js';
 *   const a = new MedianPruner({ nWarmupSteps: 5 });
 *   const b = createPruner('hyperband', { maxResource: 81 });
 */
export { NopPruner } from './nop.js';
export { PercentilePruner, type PercentilePrunerOptions } from './percentile.js';
export { MedianPruner } from './median.js';
export { SuccessiveHalvingPruner, promotable, type SuccessiveHalvingOptions } from './successive-halving.js';
export { HyperbandPruner, type HyperbandOptions } from './hyperband.js';
export { DominancePruner, type DominancePrunerOptions } from './dominance.js';
export { createPruner, PRUNER_CHOICES, PRUNER_NAMES, type PrunerName } from './create.js';
export { lastStep, percentile } from './intermediate.js';
