/**
 * Samplers: one file each behind the `Sampler` interface of ../types.ts, and
 * `createSampler` to build one by name.
 *
 * @example
 *   import { createSampler, TpeSampler } from './samplers/index.js';
 *   const a = createSampler('tpe', {}, 1);
 *   const b = new TpeSampler({ seed: 1, nStartupTrials: 5 });
 */
export { RandomSampler, type RandomSamplerOptions } from './random.js';
export { GridSampler, GridExhaustedError, GRID_INDEX_ATTR, type GridSamplerOptions, type GridSpec } from './grid.js';
export { SobolSampler, SobolSequence, SOBOL_DIMENSIONS_ATTR, type SobolSamplerOptions } from './sobol.js';
export { SOBOL_MAX_DIMENSIONS } from './sobol-directions.js';
export {
  CoarseToFineSampler,
  COARSE_TO_FINE_ATTR,
  coarseToFineRegions,
  type CoarseToFineOptions,
  type CoarseToFineRegion,
  type RegionBounds,
} from './coarse-to-fine.js';
export { TpeSampler, defaultGamma, defaultWeights, type TpeSamplerOptions } from './tpe/sampler.js';
export { GpSampler, type GpSamplerOptions } from './gp/sampler.js';
export { Nsga2Sampler, type Nsga2SamplerOptions } from './nsga2/sampler.js';
export { AutoSampler, type AutoSamplerOptions } from './auto.js';
export { createSampler, SAMPLER_NAMES, type SamplerName } from './create.js';
export { mixSeed, trialRng } from './seed.js';
