/**
 * Pruners by name, for the command line and config files.
 */
import type { Pruner } from '../types.js';
import { checkOptions } from '../samplers/create.js';
import { HyperbandPruner } from './hyperband.js';
import { MedianPruner } from './median.js';
import { NopPruner } from './nop.js';
import { PercentilePruner } from './percentile.js';
import { SuccessiveHalvingPruner } from './successive-halving.js';
import { DominancePruner } from './dominance.js';

export const PRUNER_NAMES = ['nop', 'median', 'percentile', 'successive-halving', 'hyperband', 'dominance'] as const;
export type PrunerName = (typeof PRUNER_NAMES)[number];
/** Every name `createPruner` takes: the pruners, 'asha' (successive halving) and 'none' (nop). */
export const PRUNER_CHOICES: readonly string[] = [...PRUNER_NAMES, 'asha', 'none'];

const COMMON = { nStartupTrials: 'number', nWarmupSteps: 'number', intervalSteps: 'number', nMinTrials: 'number' } as const;
const OPTIONS = {
  nop: {},
  median: COMMON,
  percentile: { ...COMMON, percentile: 'number' },
  'successive-halving': { minResource: 'resource', reductionFactor: 'number', minEarlyStoppingRate: 'number', bootstrapCount: 'number' },
  hyperband: { minResource: 'number', maxResource: 'resource', reductionFactor: 'number', bootstrapCount: 'number' },
  dominance: { ...COMMON, fraction: 'number', minDominating: 'number' },
} as const;

/**
 * Builds a pruner by name ('asha' is accepted for 'successive-halving', 'none' for 'nop').
 *
 * @example
 *   createPruner('median', { nWarmupSteps: 5 });
 *   createPruner('percentile', { percentile: 25 });
 *   createPruner('hyperband', { minResource: 1, maxResource: 27 });
 *   createPruner('dominance', { nWarmupSteps: 3 }); // several objectives: the median rule, by dominance
 */
export function createPruner(name: string, options: Readonly<Record<string, unknown>> = {}): Pruner {
  const canonical = name === 'asha' ? 'successive-halving' : name === 'none' ? 'nop' : name;
  if (!(PRUNER_NAMES as readonly string[]).includes(canonical)) {
    throw new Error(`unknown pruner '${name}'; expected one of ${PRUNER_NAMES.join(', ')}`);
  }
  checkOptions(`pruner ${canonical}`, options, OPTIONS[canonical as PrunerName]);
  const o = options as Record<string, never>;
  switch (canonical as PrunerName) {
    case 'nop':
      return new NopPruner();
    case 'median':
      return new MedianPruner(o);
    case 'percentile': {
      if (typeof options.percentile !== 'number') throw new Error(`pruner percentile needs the option 'percentile' (0..100)`);
      const { percentile, ...opts } = options as Record<string, number>;
      return new PercentilePruner(percentile, opts);
    }
    case 'successive-halving':
      return new SuccessiveHalvingPruner(o);
    case 'hyperband':
      return new HyperbandPruner(o);
    case 'dominance':
      return new DominancePruner(o);
  }
}
