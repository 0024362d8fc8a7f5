/**
 * TPE, the tree-structured Parzen estimator (Bergstra et al. 2011), in its
 * multivariate form (Falkner et al. 2018; Optuna's `TPESampler(multivariate=True)`):
 *
 * 1. Split the finished trials: the best `gamma(n)` are "good", the rest "bad".
 * 2. Fit a Parzen estimator l(x) to the good ones and g(x) to the bad ones,
 *    over the internal space (log10 for log scales, log10(1 - beta) for the
 *    course's beta scale), jointly over the parameters every trial has.
 * 3. Draw `nEiCandidates` points from l and propose the one with the largest
 *    l(x) / g(x), which maximises expected improvement under TPE's model.
 *
 * Several objectives (MOTPE, Ozaki et al. 2020) and constraints (c-TPE,
 * Watanabe & Hutter 2023) change only step 1: split.ts picks the good
 * trials by non-dominated rank and hypervolume, feasible ones first, and
 * weighs them by the hypervolume they add. A single-objective study without
 * a violated constraint takes the plain path, unchanged.
 *
 * Parameters outside the joint space (conditional ones) get the same
 * treatment one at a time. The first `nStartupTrials` trials are random.
 *
 * Constant liar: trials still running count as bad observations, so g(x) is
 * high where other workers are already evaluating and parallel workers do
 * not all propose the same point.
 *
 * Cost: finished trials are ranked once, as they arrive (history.ts); each
 * proposal then evaluates g over all bad trials, O(trials * candidates *
 * dimensions) multiply-adds on typed arrays, which is the irreducible part.
 */
import type { Distribution, FrozenTrial, ParamValue, Sampler, StudyView } from '../../types.js';
import { fromInternal, fromUnit, internalRange, toInternal } from '../../space/scale.js';
import { freshSeed, trialRng } from '../seed.js';
import { ParzenEstimator, type KernelDimension, type ParzenOptions } from './parzen-estimator.js';
import { TrialHistory, distributionKey, internalRow, type Observation } from './history.js';
import { feasibleGood, hypervolumeWeights, multiObjectiveGood } from './split.js';
import { directionsOf } from '../../multi/objectives.js';
import type { Rng } from '../../../util/rng.js';

export interface TpeSamplerOptions {
  seed?: number;
  /** Random trials before TPE starts (default 10). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per proposal (default 24). */
  nEiCandidates?: number;
  /** How many of n finished trials count as good, in a study of `objectives` objectives (default `defaultGamma`). */
  gamma?: (n: number, objectives: number) => number;
  /** Weight of each observation by its age: `weights(n)` for n observations, oldest first (default Optuna's ramp). */
  weights?: (n: number) => Float64Array;
  /** Weight of the prior kernel, in observations (default 2; Optuna's is 1). */
  priorWeight?: number;
  /** Model parameters jointly (default true). */
  multivariate?: boolean;
  /** Running trials count as bad observations (default true). */
  constantLiar?: boolean;
  /** Bandwidth floor range / min(100, 1 + kernels) (default true). */
  magicClip?: boolean;
  /** Multiplier of the multivariate bandwidth rule `factor * n^(-1/(d+4)) * range` (default 0.15; Optuna's is 0.2). */
  bandwidthFactor?: number;
}

/**
 * The default gamma: the best 20% of trials, at most 25. Optuna takes 10%;
 * with budgets of tens of trials that leaves l(x) one to five points, too
 * few to locate a basin, and 20% found better optima on every function of
 * bench/tuner-efficiency.ts (200 seeds, 50 trials). With three objectives
 * or more, 10% (Optuna's): on DTLZ2 it raised the hypervolume after 300
 * trials on 17 of 20 seeds (+0.14 on average, level with Optuna's TPE),
 * neutral after 100 (80 seeds); with two objectives 10% lowered the
 * medians on ZDT2 and Binh-Korn (docs/BENCHMARKS.md, issue 17).
 *
 * @example
 *   defaultGamma(50);    // 10
 *   defaultGamma(50, 3); // 5
 */
export function defaultGamma(n: number, objectives = 1): number {
  return Math.min(Math.ceil((objectives >= 3 ? 0.1 : 0.2) * n), 25);
}

/**
 * Optuna's default weights: the 25 newest observations weigh 1, older ones
 * ramp down linearly to 1/n, so the model follows where the search went.
 *
 * @example
 *   defaultWeights(3); // Float64Array [1, 1, 1]
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (n < 25) return w;
  const ramp = n - 25;
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  return w;
}

/**
 * Multivariate TPE with constant liar.
 *
 * @example
 *   const sampler = new TpeSampler({ seed: 1 });
 *   // after 10 random trials, proposals concentrate where the best trials are.
 */
export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  readonly seed: number;
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly multivariate: boolean;
  readonly constantLiar: boolean;
  private readonly gamma: (n: number, objectives: number) => number;
  private readonly weights: (n: number) => Float64Array;
  private readonly parzen: { joint: ParzenOptions; univariate: ParzenOptions };
  private readonly histories = new WeakMap<StudyView, TrialHistory>();
  /**
   * What this sampler proposed to trials still running, by trial id: a trial
   * asked a moment ago may not have recorded its parameters yet, and the
   * liar must still see it (other processes' trials are seen once their
   * parameters reach the study).
   */
  private readonly proposed = new Map<number, Record<string, ParamValue>>();

  constructor(options: TpeSamplerOptions = {}) {
    this.seed = options.seed ?? freshSeed();
    this.nStartupTrials = options.nStartupTrials ?? 10;
    this.nEiCandidates = options.nEiCandidates ?? 24;
    this.multivariate = options.multivariate ?? true;
    this.constantLiar = options.constantLiar ?? true;
    this.gamma = options.gamma ?? defaultGamma;
    this.weights = options.weights ?? defaultWeights;
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 0) throw new RangeError(`nStartupTrials must be an integer >= 0, got ${this.nStartupTrials}`);
    if (!Number.isInteger(this.nEiCandidates) || this.nEiCandidates < 1) throw new RangeError(`nEiCandidates must be an integer >= 1, got ${this.nEiCandidates}`);
    // Defaults tuned on bench/tuner-efficiency.ts (200 seeds x 50 trials per function): a narrower
    // bandwidth than Optuna's exploits a basin once found, a heavier prior keeps exploring.
    const priorWeight = options.priorWeight ?? 2;
    if (!(priorWeight > 0)) throw new RangeError(`priorWeight must be > 0, got ${priorWeight}`);
    const common = { priorWeight, magicClip: options.magicClip ?? true, bandwidthFactor: options.bandwidthFactor ?? 0.15 };
    const joint: ParzenOptions = { ...common, bandwidth: this.multivariate ? 'scott' : 'neighbors' };
    this.parzen = { joint, univariate: { ...common, bandwidth: 'neighbors' } };
  }

  inferRelativeSpace(study: StudyView, trial: FrozenTrial): Record<string, Distribution> {
    if (!this.multivariate) return {};
    return this.history(study, trial).intersectionSpace();
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, ParamValue> {
    const names = Object.keys(space).sort();
    if (names.length === 0 || this.history(study, trial).size < this.nStartupTrials) return {};
    return this.remember(trial, this.propose(study, trial, names, space, this.parzen.joint, trialRng(this.seed, trial.number, 'relative')));
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    const rng = trialRng(this.seed, trial.number, name);
    if (this.history(study, trial).size < this.nStartupTrials) return fromUnit(distribution, rng.uniform());
    const options = this.multivariate ? this.parzen.univariate : this.parzen.joint;
    return this.remember(trial, this.propose(study, trial, [name], { [name]: distribution }, options, rng))[name];
  }

  afterTrial(study: StudyView, trial: FrozenTrial): void {
    this.proposed.delete(trial.id);
    this.history(study).add(trial);
  }

  private remember(trial: FrozenTrial, values: Record<string, ParamValue>): Record<string, ParamValue> {
    if (this.constantLiar) this.proposed.set(trial.id, { ...this.proposed.get(trial.id), ...values });
    return values;
  }

  private history(study: StudyView, trial?: FrozenTrial): TrialHistory {
    let h = this.histories.get(study);
    if (h === undefined) {
      h = new TrialHistory(study.direction, directionsOf(study));
      this.histories.set(study, h);
    }
    if (trial !== undefined) h.sync(study, trial.id);
    return h;
  }

  /** One TPE proposal over `names` (sorted), from the trials that have all of them. */
  private propose(
    study: StudyView,
    trial: FrozenTrial,
    names: readonly string[],
    space: Record<string, Distribution>,
    options: ParzenOptions,
    rng: Rng,
  ): Record<string, ParamValue> {
    const d = names.length;
    const dists = names.map((n) => space[n]);
    const dims: KernelDimension[] = dists.map((dist) =>
      dist.type === 'categorical' ? { kind: 'categorical', choices: dist.choices.length } : { kind: 'numeric', ...internalRange(dist) },
    );
    const history = this.history(study);
    // Each observation caches its coordinates for the last space it was used in: one key compare per trial.
    const spaceKey = names.map((n, j) => `${n}=${distributionKey(dists[j])}`).join('|');
    const rowOf = (obs: Observation): Float64Array | null => {
      if (obs.rowKey !== spaceKey) {
        obs.rowKey = spaceKey;
        obs.row = internalRow(obs.params, names, dists);
      }
      return obs.row ?? null;
    };

    // Good: the best gamma(n) of the n finished trials with every parameter. Bad: the others, plus
    // (constant liar) the running trials, as the newest observations.
    let n = 0;
    for (const obs of history.ranked) if (rowOf(obs) !== null) n++;
    const nGood = Math.min(n, Math.max(1, this.gamma(n, history.objectives)));
    let good: Observation[] = [];
    if (history.multiObjective || history.infeasible > 0) {
      const usable = history.ranked.filter((obs) => obs.row !== null);
      good = history.multiObjective ? multiObjectiveGood(usable, nGood) : feasibleGood(usable, nGood);
    } else {
      for (const obs of history.ranked) {
        if (good.length >= nGood) break;
        if (obs.row !== null) good.push(obs);
      }
    }
    const goodIds = new Set(good.map((o) => o.id));
    good.sort((a, b) => a.number - b.number); // oldest first, for the age weights
    const goodPoints = new Float64Array(nGood * d);
    good.forEach((o, i) => goodPoints.set(o.row!, i * d));

    const liars: Float64Array[] = [];
    if (this.constantLiar) {
      const running = study.trials(['running']);
      for (const t of running) {
        if (t.id === trial.id) continue;
        const mine = this.proposed.get(t.id);
        const row = internalRow(mine === undefined ? t.params : { ...mine, ...t.params }, names, dists);
        if (row !== null) liars.push(row);
      }
      // Forget trials that ended without afterTrial reaching this sampler.
      if (this.proposed.size > 2 * running.length + 16) {
        const alive = new Set(running.map((t) => t.id));
        for (const id of this.proposed.keys()) if (!alive.has(id) && id !== trial.id) this.proposed.delete(id);
      }
    }
    const nBad = n - nGood + liars.length;
    const badPoints = new Float64Array(nBad * d);
    let at = 0;
    for (const obs of history.byNumber) {
      if (obs.row == null || obs.rowKey !== spaceKey || goodIds.has(obs.id)) continue;
      badPoints.set(obs.row, at);
      at += d;
    }
    for (const row of liars) {
      badPoints.set(row, at);
      at += d;
    }
    // Several objectives: a good trial weighs by the hypervolume it adds (split.ts), not by its age.
    const goodWeights = history.multiObjective ? hypervolumeWeights(good) : this.weights(nGood);
    const l = new ParzenEstimator(dims, goodPoints, goodWeights, options);
    const g = new ParzenEstimator(dims, badPoints, this.weights(nBad), options);

    const candidates = l.sample(rng, this.nEiCandidates);
    // Score what would actually be returned: discrete values snapped to their grid.
    for (let s = 0; s < this.nEiCandidates; s++) {
      for (let j = 0; j < d; j++) {
        const dist = dists[j];
        if (dist.type !== 'categorical') candidates[s * d + j] = toInternal(dist, fromInternal(dist, candidates[s * d + j]));
      }
    }
    const logL = l.logPdf(candidates, this.nEiCandidates);
    const logG = g.logPdf(candidates, this.nEiCandidates);
    let best = 0;
    for (let s = 1; s < this.nEiCandidates; s++) if (logL[s] - logG[s] > logL[best] - logG[best]) best = s;
    const out: Record<string, ParamValue> = {};
    names.forEach((name, j) => (out[name] = fromInternal(dists[j], candidates[best * d + j])));
    return out;
  }
}
