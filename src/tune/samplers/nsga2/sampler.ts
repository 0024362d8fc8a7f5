/**
 * NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002), the genetic algorithm of
 * multi-objective search, as a sampler:
 *
 * 1. The first `populationSize` trials are random.
 * 2. Then each trial is a child of the current parents (population.ts:
 *    generations of complete trials in number order, the elite kept by
 *    non-dominated rank and crowding distance): two parents by binary
 *    tournament (selection.ts), crossed with probability `crossoverProb`
 *    (crossover.ts: SBX on each parameter's own scale, categorical
 *    parameters from either parent) or else one parent copied, then each
 *    parameter mutated with probability `mutationProb` (mutation.ts).
 *
 * Constraints: infeasible trials lose to feasible ones and to less
 * infeasible ones (Deb's constrained domination). With one objective the
 * same machinery is a plain elitist genetic algorithm.
 *
 * Seeded per trial (seed.ts): the same seed and the same finished trials
 * give the same child, on any worker. Parameters outside the space every
 * complete trial shares are drawn at random.
 */
import type { Distribution, FrozenTrial, ParamValue, Sampler, StudyView } from '../../types.js';
import { fromInternal, fromUnit, internalRange, toInternal } from '../../space/scale.js';
import { directionsOf } from '../../multi/objectives.js';
import { intersectionSpace } from '../gp/search-space.js';
import { freshSeed, trialRng } from '../seed.js';
import { Generations } from './population.js';
import { tournament } from './selection.js';
import { pickChoice, sbxChild } from './crossover.js';
import { polynomialMutation } from './mutation.js';
import type { Rng } from '../../../util/rng.js';

export interface Nsga2SamplerOptions {
  seed?: number;
  /** Trials per generation; the first generation is random (default 50, as Optuna). */
  populationSize?: number;
  /** Chance that a child is a crossover of two parents rather than a copy of one (default 0.9, as Optuna). */
  crossoverProb?: number;
  /** Chance that each parameter of a child is crossed (default 0.5, as Optuna's swapping_prob). */
  swappingProb?: number;
  /** Chance that each parameter is mutated (default 1 / number of parameters, as Optuna). */
  mutationProb?: number;
  /** SBX distribution index (default 20, Deb's). */
  crossoverEta?: number;
  /** Polynomial mutation distribution index (default 20, Deb's). */
  mutationEta?: number;
}

/**
 * @example
 *   const sampler = new Nsga2Sampler({ seed: 1, populationSize: 40 });
 *   // a study with directions ['maximize', 'minimize']: 40 random trials, then children of the best fronts.
 */
export class Nsga2Sampler implements Sampler {
  readonly name = 'nsga2';
  readonly seed: number;
  readonly populationSize: number;
  readonly crossoverProb: number;
  readonly swappingProb: number;
  readonly mutationProb: number | undefined;
  readonly crossoverEta: number;
  readonly mutationEta: number;
  private readonly generations: Generations;

  constructor(options: Nsga2SamplerOptions = {}) {
    this.seed = options.seed ?? freshSeed();
    this.populationSize = options.populationSize ?? 50;
    this.crossoverProb = options.crossoverProb ?? 0.9;
    this.swappingProb = options.swappingProb ?? 0.5;
    this.mutationProb = options.mutationProb;
    this.crossoverEta = options.crossoverEta ?? 20;
    this.mutationEta = options.mutationEta ?? 20;
    if (!Number.isInteger(this.populationSize) || this.populationSize < 2) throw new RangeError(`populationSize must be an integer >= 2, got ${this.populationSize}`);
    for (const [name, p] of [
      ['crossoverProb', this.crossoverProb],
      ['swappingProb', this.swappingProb],
      ['mutationProb', this.mutationProb ?? 0],
    ] as const) {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${p}`);
    }
    for (const [name, eta] of [
      ['crossoverEta', this.crossoverEta],
      ['mutationEta', this.mutationEta],
    ] as const) {
      if (!(eta >= 0 && Number.isFinite(eta))) throw new RangeError(`${name} must be a finite number >= 0, got ${eta}`);
    }
    this.generations = new Generations(this.populationSize);
  }

  inferRelativeSpace(study: StudyView): Record<string, Distribution> {
    return intersectionSpace(study.trials(['complete']));
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, ParamValue> {
    const names = Object.keys(space).sort();
    if (names.length === 0) return {};
    const { population } = this.generations.parents(study, directionsOf(study));
    if (population.length === 0) return {};
    const rng = trialRng(this.seed, trial.number, 'nsga2');
    const dists = names.map((n) => space[n]);

    const mother = tournament(population, rng);
    const crossed = rng.uniform() < this.crossoverProb;
    const father = crossed ? tournament(population, rng, mother) : mother;
    const unitOf = (t: FrozenTrial): number[] => names.map((n, j) => toUnitCoordinate(dists[j], t.params[n]));
    const numeric = crossed
      ? sbxChild(unitOf(mother.trial), unitOf(father.trial), rng, { eta: this.crossoverEta, swappingProb: this.swappingProb })
      : unitOf(mother.trial);

    const mutationProb = this.mutationProb ?? 1 / names.length;
    const child: Record<string, ParamValue> = {};
    names.forEach((name, j) => {
      const d = dists[j];
      const mutate = rng.uniform() < mutationProb;
      if (d.type === 'categorical') {
        const inherited = crossed ? pickChoice(mother.trial.params[name], father.trial.params[name], rng) : mother.trial.params[name];
        child[name] = mutate ? randomChoice(d.choices, rng) : inherited;
      } else {
        const u = mutate ? polynomialMutation(numeric[j], rng, this.mutationEta) : numeric[j];
        const r = internalRange(d);
        child[name] = fromInternal(d, r.low + u * (r.high - r.low));
      }
    });
    return child;
  }

  sampleIndependent(_study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    return fromUnit(distribution, trialRng(this.seed, trial.number, name).uniform());
  }
}

/** A numeric value as a fraction of its internal range (clipped); categorical coordinates are not used (0). */
function toUnitCoordinate(d: Distribution, value: ParamValue): number {
  if (d.type === 'categorical' || typeof value !== 'number') return 0;
  const r = internalRange(d);
  if (!(r.high > r.low)) return 0.5;
  const x = (toInternal(d, value) - r.low) / (r.high - r.low);
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0.5;
}

function randomChoice(choices: readonly ParamValue[], rng: Rng): ParamValue {
  return choices[rng.int(choices.length)];
}
