/**
 * Gaussian-process Bayesian optimization, after Optuna's GPSampler:
 *
 * 1. The first `nStartupTrials` trials are random (each parameter uniform on its own scale).
 * 2. Then, over the parameters every complete trial has (the relative space),
 *    each numeric parameter is put on [0, 1] of its own scale (log for log
 *    floats and ints, 1 - beta for the course's beta; search-space.ts) and
 *    each categorical one as a choice index compared by equality.
 * 3. The objective values, turned to "larger is better" and standardized,
 *    get a GP with a Matérn 5/2 kernel, one length scale per parameter
 *    (kernel.ts), whose hyperparameters maximize the marginal likelihood
 *    under Optuna's priors (fit.ts).
 * 4. The proposal maximizes log expected improvement over the best value so
 *    far (log-ei.ts), found from 2048 Sobol points and 10 local searches
 *    (acquisition.ts); integers and steps are searched on their own values.
 *
 * Pruned and failed trials are ignored, as Optuna's GPSampler ignores them.
 * Parameters outside the relative space (conditional ones, or ones the
 * complete trials do not all share) are drawn at random, independently.
 * Trials still running count as observations of the model's own mean at
 * their point (the "kriging believer"): parallel workers get different
 * proposals. Everything random comes from (seed, trial number), so the same
 * seed and the same trials give the same proposals; no state is carried from
 * one proposal to the next (the kernel fit always starts from the same point).
 *
 * Cost: fitting is O(n^3) per likelihood evaluation on n complete trials,
 * scoring O(n^2) per candidate point. With more than `maxTrials` complete
 * trials the GP is fitted on the best half of `maxTrials` and the most
 * recent ones (docs/BENCHMARKS.md gives the time per trial at 200 and 1,000
 * trials); past a few hundred trials TPE is the better tool (the `auto`
 * sampler switches).
 */
import type { Distribution, FrozenTrial, ParamValue, Sampler, StudyView } from '../../types.js';
import { fromUnit } from '../../space/scale.js';
import { freshSeed, trialRng } from '../seed.js';
import { maximizeLogEi } from './acquisition.js';
import { fitKernelParams } from './fit.js';
import { GaussianProcess } from './regressor.js';
import { fromGpCoordinate, gpDimensions, intersectionSpace, toUnit, type GpDimension } from './search-space.js';

export interface GpSamplerOptions {
  /** Same seed, same trials: same proposals. Random when absent. */
  seed?: number;
  /** Random trials before the GP starts (default 10, as Optuna). */
  nStartupTrials?: number;
  /** The objective gives the same value for the same point: the noise stays at its floor (default false). */
  deterministic?: boolean;
  /** Complete trials the GP is fitted on at most (default 200): the best half and the most recent. */
  maxTrials?: number;
  /** Sobol points scored per proposal before the local searches (default 2048, as Optuna). */
  nCandidates?: number;
  /** Local searches of the acquisition per proposal (default 10, as Optuna). */
  nLocalSearches?: number;
}

/**
 * @example
 *   const sampler = new GpSampler({ seed: 1 });
 *   // after 10 random trials, each proposal maximizes log EI under a GP fitted to the complete trials.
 */
export class GpSampler implements Sampler {
  readonly name = 'gp';
  readonly seed: number;
  readonly nStartupTrials: number;
  readonly maxTrials: number;
  private readonly deterministic: boolean;
  private readonly nCandidates: number;
  private readonly nLocalSearches: number;
  /** What this sampler proposed to trials still running, by trial id (their parameters may not be recorded yet). */
  private readonly proposed = new Map<number, Record<string, ParamValue>>();

  constructor(options: GpSamplerOptions = {}) {
    this.seed = options.seed ?? freshSeed();
    this.nStartupTrials = options.nStartupTrials ?? 10;
    this.maxTrials = options.maxTrials ?? 200;
    this.deterministic = options.deterministic ?? false;
    this.nCandidates = options.nCandidates ?? 2048;
    this.nLocalSearches = options.nLocalSearches ?? 10;
    const integer = (name: string, value: number, min: number): void => {
      if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
    };
    integer('nStartupTrials', this.nStartupTrials, 0);
    integer('maxTrials', this.maxTrials, 2);
    integer('nCandidates', this.nCandidates, 1);
    integer('nLocalSearches', this.nLocalSearches, 1);
  }

  inferRelativeSpace(study: StudyView): Record<string, Distribution> {
    return intersectionSpace(completeTrials(study));
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, ParamValue> {
    const complete = completeTrials(study);
    if (complete.length < this.nStartupTrials || Object.keys(space).length === 0) return {};
    const dims = gpDimensions(space);
    const d = dims.length;

    // The observations: coordinates and values (larger is better) of the trials that have every parameter.
    let rows: { number: number; x: Float64Array; y: number }[] = [];
    const sign = study.direction === 'minimize' ? -1 : 1;
    for (const t of complete) {
      const x = coordinates(dims, t.params);
      if (x !== null) rows.push({ number: t.number, x, y: sign * t.value! });
    }
    if (rows.length < Math.max(1, this.nStartupTrials)) return {};
    rows = this.keep(rows);
    const ys = standardize(rows.map((r) => r.y));
    const xs = new Float64Array(rows.length * d);
    rows.forEach((r, i) => xs.set(r.x, i * d));
    const categorical = dims.map((dim) => dim.kind === 'categorical');

    const params = fitKernelParams(xs, ys, categorical, { deterministic: this.deterministic });
    const fitted = GaussianProcess.condition(xs, ys, categorical, params);
    if (fitted === null) return {}; // cannot happen with the noise floor short of NaN coordinates; random then
    const gp = fitted.withBelievers(this.runningPoints(study, trial, dims)) ?? fitted;

    let top = 0;
    for (let i = 1; i < ys.length; i++) if (ys[i] > ys[top]) top = i;
    const rng = trialRng(this.seed, trial.number, 'gp');
    const { x } = maximizeLogEi(gp, ys[top], dims, [rows[top].x], rng, { candidates: this.nCandidates, localSearches: this.nLocalSearches });
    const out: Record<string, ParamValue> = {};
    dims.forEach((dim, j) => (out[dim.name] = fromGpCoordinate(dim.distribution, x[j])));
    this.proposed.set(trial.id, out);
    return out;
  }

  sampleIndependent(_study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    return fromUnit(distribution, trialRng(this.seed, trial.number, name).uniform());
  }

  afterTrial(_study: StudyView, trial: FrozenTrial): void {
    this.proposed.delete(trial.id);
  }

  /** The best half of `maxTrials` and the most recent others, in trial order, when there are more. */
  private keep<R extends { number: number; y: number }>(rows: R[]): R[] {
    if (rows.length <= this.maxTrials) return rows;
    const nBest = Math.ceil(this.maxTrials / 2);
    const chosen = new Set([...rows].sort((a, b) => b.y - a.y || a.number - b.number).slice(0, nBest));
    for (let i = rows.length - 1; i >= 0 && chosen.size < this.maxTrials; i--) chosen.add(rows[i]);
    return rows.filter((r) => chosen.has(r));
  }

  /** Coordinates of the other running trials that have (or were proposed) every parameter of `dims`. */
  private runningPoints(study: StudyView, trial: FrozenTrial, dims: readonly GpDimension[]): Float64Array[] {
    const running = study.trials(['running']);
    const points: Float64Array[] = [];
    for (const t of running) {
      if (t.id === trial.id) continue;
      const mine = this.proposed.get(t.id);
      const x = coordinates(dims, mine === undefined ? t.params : { ...mine, ...t.params });
      if (x !== null) points.push(x);
    }
    // Forget trials that ended without afterTrial reaching this sampler (another process told them).
    if (this.proposed.size > 2 * running.length + 16) {
      const alive = new Set(running.map((t) => t.id));
      for (const id of this.proposed.keys()) if (!alive.has(id) && id !== trial.id) this.proposed.delete(id);
    }
    return points;
  }
}

/** Complete trials with a value the GP can use (NaN is not; infinities are clipped later). */
function completeTrials(study: StudyView): FrozenTrial[] {
  return study.trials(['complete']).filter((t) => typeof t.value === 'number' && !Number.isNaN(t.value));
}

function coordinates(dims: readonly GpDimension[], params: Readonly<Record<string, ParamValue>>): Float64Array | null {
  const x = new Float64Array(dims.length);
  for (let j = 0; j < dims.length; j++) {
    if (!(dims[j].name in params)) return null;
    const u = toUnit(dims[j].distribution, params[dims[j].name]);
    if (u === null) return null;
    x[j] = u;
  }
  return x;
}

/**
 * (y - mean) / std, infinities first clipped to the finite extremes (a
 * diverged trial counts as the worst seen, not as a value that swamps the
 * fit); all equal gives all 0.
 *
 * @example
 *   standardize([1, 2, 3]); // Float64Array [-1.2247, 0, 1.2247]
 */
export function standardize(values: readonly number[]): Float64Array {
  const finite = values.filter(Number.isFinite);
  const low = finite.length > 0 ? Math.min(...finite) : 0;
  const high = finite.length > 0 ? Math.max(...finite) : 0;
  const clipped = values.map((v) => Math.min(high, Math.max(low, v)));
  const mean = clipped.reduce((a, b) => a + b, 0) / clipped.length;
  const variance = clipped.reduce((a, b) => a + (b - mean) ** 2, 0) / clipped.length;
  const std = Math.max(1e-10, Math.sqrt(variance));
  return Float64Array.from(clipped, (v) => (v - mean) / std);
}
