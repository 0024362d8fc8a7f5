/**
 * A sampler that picks the algorithm from the study, after OptunaHub's
 * AutoSampler (single objective):
 *
 * - GP (gp/sampler.ts) while every parameter the complete trials share is
 *   numeric, no trial has parameters another lacks (no conditional space),
 *   and fewer than `gpMaxTrials` (default 200) trials are complete: a GP
 *   makes the most of few trials in a small continuous space.
 * - TPE (tpe/sampler.ts) otherwise: a categorical parameter, a conditional
 *   space, or many trials, where the GP's cubic cost and stationary kernel
 *   stop paying. (OptunaHub switches to CMA-ES past 250 numeric trials;
 *   caviar has no CMA-ES, and its TPE is cheap at any count.)
 *
 * - TPE for a study with several objectives or with constraints (MOTPE and
 *   c-TPE, tpe/split.ts), as OptunaHub's AutoSampler does; NSGA-II
 *   (`nsga2`) needs hundreds of trials to catch up (docs/BENCHMARKS.md,
 *   "Multi-objective samplers").
 *
 * Both start with `nStartupTrials` random trials. The choice is a function of
 * the finished trials alone, so every worker makes the same one, and it only
 * ever moves from GP to TPE (the trial count grows; a categorical or a
 * conditional parameter, once seen, stays). OptunaHub's TPE likewise stays
 * once chosen.
 */
import type { Distribution, FrozenTrial, ParamValue, Sampler, StudyView } from '../types.js';
import { freshSeed } from './seed.js';
import { GpSampler } from './gp/sampler.js';
import { intersectionSpace } from './gp/search-space.js';
import { TpeSampler } from './tpe/sampler.js';
import { directionsOf } from '../multi/objectives.js';

export interface AutoSamplerOptions {
  seed?: number;
  /** Random trials before either model starts (default 10). */
  nStartupTrials?: number;
  /** Complete trials from which on TPE takes over from GP (default 200). */
  gpMaxTrials?: number;
}

/**
 * @example
 *   const sampler = new AutoSampler({ seed: 1 });
 *   // lr and units only: GP for the first 200 trials, then TPE; add a categorical optimizer: TPE throughout.
 */
export class AutoSampler implements Sampler {
  readonly name = 'auto';
  readonly seed: number;
  readonly gpMaxTrials: number;
  private readonly gp: GpSampler;
  private readonly tpe: TpeSampler;
  /** The sampler chosen for each trial being sampled, by trial id: one trial's calls all go to the same one. */
  private readonly chosen = new Map<number, Sampler>();

  constructor(options: AutoSamplerOptions = {}) {
    this.seed = options.seed ?? freshSeed();
    this.gpMaxTrials = options.gpMaxTrials ?? 200;
    if (!Number.isInteger(this.gpMaxTrials) || this.gpMaxTrials < 0) throw new RangeError(`gpMaxTrials must be an integer >= 0, got ${this.gpMaxTrials}`);
    const startup = options.nStartupTrials === undefined ? {} : { nStartupTrials: options.nStartupTrials };
    this.gp = new GpSampler({ seed: this.seed, ...startup });
    this.tpe = new TpeSampler({ seed: this.seed, ...startup });
  }

  /**
   * Which sampler the study's finished trials call for now.
   *
   * @example
   *   new AutoSampler().choose(study); // 'gp' or 'tpe'
   */
  choose(study: StudyView): 'gp' | 'tpe' {
    // Several objectives or constraints: the GP models one unconstrained objective; TPE handles both
    // (MOTPE, c-TPE), and beat NSGA-II at 100 and 300 trials on every problem of bench/multi.ts.
    if (directionsOf(study).length > 1) return 'tpe';
    const complete = study.trials(['complete']);
    if (complete.some((t) => t.constraints !== undefined)) return 'tpe';
    if (complete.length >= this.gpMaxTrials) return 'tpe';
    if (hasConditional(study.trials(['complete', 'pruned']))) return 'tpe';
    const space = intersectionSpace(complete);
    return Object.values(space).some((d) => d.type === 'categorical') ? 'tpe' : 'gp';
  }

  inferRelativeSpace(study: StudyView, trial: FrozenTrial): Record<string, Distribution> {
    const sampler = this.choose(study) === 'gp' ? this.gp : this.tpe;
    this.chosen.set(trial.id, sampler);
    if (this.chosen.size > 1024) this.chosen.delete(this.chosen.keys().next().value!); // trials other processes finished
    return sampler.inferRelativeSpace!(study, trial);
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, ParamValue> {
    return this.samplerFor(study, trial).sampleRelative!(study, trial, space);
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    return this.samplerFor(study, trial).sampleIndependent(study, trial, name, distribution);
  }

  afterTrial(study: StudyView, trial: FrozenTrial): void {
    this.chosen.delete(trial.id);
    // Both hear of every trial: TPE keeps its ranked history current for when it takes over.
    this.gp.afterTrial(study, trial);
    this.tpe.afterTrial(study, trial);
  }

  private samplerFor(study: StudyView, trial: FrozenTrial): Sampler {
    return this.chosen.get(trial.id) ?? (this.choose(study) === 'gp' ? this.gp : this.tpe);
  }
}

/** Whether the finished trials do not all have the same parameter names (OptunaHub's test). */
function hasConditional(trials: readonly FrozenTrial[]): boolean {
  if (trials.length === 0) return false;
  const first = Object.keys(trials[0].params).sort().join('\u0000');
  return trials.some((t) => Object.keys(t.params).sort().join('\u0000') !== first);
}
