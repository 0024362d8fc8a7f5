/**
 * Random search, the course's default: every parameter drawn uniformly on
 * its own scale (a learning rate in 1e-4..1 is `10^U(-4, 0)`), independently
 * of every other trial.
 */
import type { Distribution, FrozenTrial, ParamValue, Sampler, StudyView } from '../types.js';
import { fromUnit } from '../space/scale.js';
import { freshSeed, trialRng } from './seed.js';

export interface RandomSamplerOptions {
  /** Same seed, same values for the same trial number. Random when absent. */
  seed?: number;
}

/**
 * Samples every parameter uniformly in its internal (scaled) space.
 *
 * @example
 *   const sampler = new RandomSampler({ seed: 1 });
 *   // study.ask() then trial.suggest('lr', floatParam(1e-4, 1, { scale: 'log' }))
 *   // gives 10^U(-4, 0), the same value for the same seed and trial number.
 */
export class RandomSampler implements Sampler {
  readonly name = 'random';
  readonly seed: number;

  constructor(options: RandomSamplerOptions = {}) {
    this.seed = options.seed ?? freshSeed();
  }

  sampleIndependent(_study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    return fromUnit(distribution, trialRng(this.seed, trial.number, name).uniform());
  }
}
