/**
 * Finding the point of largest log expected improvement, as Optuna's
 * GPSampler does (optim_mixed.py):
 *
 * 1. Score `candidates` scrambled Sobol points of the unit cube (discrete
 *    coordinates snapped to their values) and the warm starts (the best
 *    trial so far).
 * 2. Start a local search from the best of them and from others drawn with
 *    probability proportional to exp(logEI) (a roulette wheel: promising
 *    but different basins), `localSearches` starts in all.
 * 3. Each local search alternates L-BFGS over the continuous coordinates
 *    (rescaled by their length scales, so that every direction has about
 *    the same curvature) with a search over each discrete or categorical
 *    coordinate's values (search-space.ts `discreteCandidates`), until a
 *    round leaves the discrete coordinates where they were.
 * 4. The best point found wins.
 */
import type { Rng } from '../../../util/rng.js';
import { SobolSequence } from '../sobol.js';
import { SOBOL_MAX_DIMENSIONS } from '../sobol-directions.js';
import { minimize } from './lbfgs.js';
import { logEi } from './log-ei.js';
import type { GaussianProcess } from './regressor.js';
import { discreteCandidates, snap, type GpDimension } from './search-space.js';

export interface AcquisitionOptions {
  /** Quasi-random points scored before the local searches (Optuna: 2048). */
  readonly candidates: number;
  /** Local searches, warm starts included (Optuna: 10). */
  readonly localSearches: number;
}

/**
 * The coordinates (one per dimension) that maximize log EI over `best` (the
 * largest standardized value observed) under `gp`, and that log EI.
 *
 * @example
 *   const { x } = maximizeLogEi(gp, 1.2, dims, [bestTrialCoordinates], rng, { candidates: 2048, localSearches: 10 });
 */
export function maximizeLogEi(
  gp: GaussianProcess,
  best: number,
  dims: readonly GpDimension[],
  warmStarts: readonly Float64Array[],
  rng: Rng,
  options: AcquisitionOptions,
): { x: Float64Array; value: number } {
  const d = dims.length;
  const score = (x: Float64Array): number => {
    const { mean, variance } = gp.posterior(x);
    return logEi(mean, variance, best).value;
  };

  // 1. Preliminary points.
  const points = preliminaryPoints(dims, options.candidates, rng);
  const values = points.map(score);
  let top = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[top]) top = i;

  // 2. Starts: the best point, roulette picks, the warm starts.
  const starts: Float64Array[] = [points[top]];
  const picks = Math.max(0, options.localSearches - 1 - warmStarts.length);
  const weights = values.map((v, i) => (i === top ? 0 : Math.exp(v - values[top])));
  for (let k = 0; k < picks; k++) {
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) break; // every other point has EI ~ 0 next to the best: nothing else is worth refining
    let r = rng.uniform() * total;
    let i = 0;
    while (i < weights.length - 1 && (r -= weights[i]) > 0) i++;
    if (weights[i] === 0) i = weights.findIndex((w) => w > 0);
    starts.push(points[i]);
    weights[i] = 0;
  }
  starts.push(...warmStarts);

  // 3-4. Local searches.
  let bestX = points[top];
  let bestValue = values[top];
  for (const start of starts) {
    const found = localSearch(gp, best, dims, start, score);
    if (found.value > bestValue) {
      bestX = found.x;
      bestValue = found.value;
    }
  }
  return { x: Float64Array.from(bestX.subarray(0, d)), value: bestValue };
}

/** `n` scrambled Sobol points, snapped per dimension (random ones past the Sobol table's dimensions). */
function preliminaryPoints(dims: readonly GpDimension[], n: number, rng: Rng): Float64Array[] {
  const d = dims.length;
  const sobol = d <= SOBOL_MAX_DIMENSIONS ? new SobolSequence(d, { seed: rng.uint32() }) : undefined;
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const x = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const u = sobol ? sobol.coordinate(i, j) : rng.uniform();
      const dim = dims[j];
      const dist = dim.distribution;
      x[j] = dist.type === 'categorical' ? Math.min(dist.choices.length - 1, Math.floor(u * dist.choices.length)) : snap(dim, u);
    }
    out.push(x);
  }
  return out;
}

function localSearch(
  gp: GaussianProcess,
  best: number,
  dims: readonly GpDimension[],
  start: Float64Array,
  score: (x: Float64Array) => number,
): { x: Float64Array; value: number } {
  const d = dims.length;
  const lambda = gp.params.inverseSquaredLengthscales;
  const continuous = dims.flatMap((dim, j) => (dim.kind === 'continuous' ? [j] : []));
  const others = dims.flatMap((dim, j) => (dim.kind === 'continuous' ? [] : [j]));
  const lengthscale = continuous.map((j) => 1 / Math.sqrt(lambda[j]));
  const x = Float64Array.from(start);
  let value = score(x);

  const point = new Float64Array(d);
  const meanGradient = new Float64Array(d);
  const varianceGradient = new Float64Array(d);
  // In z = x / lengthscale every direction changes the kernel at the same rate (Optuna's preconditioning).
  const negativeLogEi = (z: Float64Array, gradient: Float64Array): number => {
    point.set(x);
    continuous.forEach((j, c) => (point[j] = z[c] * lengthscale[c]));
    const { mean, variance } = gp.posteriorWithGradient(point, meanGradient, varianceGradient);
    const ei = logEi(mean, variance, best);
    continuous.forEach((j, c) => (gradient[c] = -(ei.dMean * meanGradient[j] + ei.dVariance * varianceGradient[j]) * lengthscale[c]));
    return -ei.value;
  };
  const lower = new Float64Array(continuous.length);
  const upper = Float64Array.from(lengthscale, (l) => 1 / l);

  for (let round = 0; round < 10; round++) {
    if (continuous.length > 0) {
      const z0 = Float64Array.from(continuous, (j, c) => x[j] / lengthscale[c]);
      // Optuna's tolerance: pgtol sqrt(1e-4), at most 200 iterations.
      const r = minimize(negativeLogEi, z0, { lower, upper, gradientTolerance: 1e-2, maxIterations: 200 });
      if (-r.value > value) {
        continuous.forEach((j, c) => (x[j] = Math.min(1, Math.max(0, r.x[c] * lengthscale[c]))));
        value = score(x);
      }
    }
    let moved = false;
    for (const j of others) {
      const here = x[j];
      let bestU = here;
      for (const u of discreteCandidates(dims[j], here)) {
        if (u === here) continue;
        x[j] = u;
        const v = score(x);
        if (v > value) {
          value = v;
          bestU = u;
        }
      }
      x[j] = bestU;
      if (bestU !== here) moved = true;
    }
    if (!moved) break;
  }
  return { x, value };
}
