/**
 * Fitting the kernel's hyperparameters (one inverse squared length scale
 * per parameter, the kernel scale, the noise) by maximizing the log marginal
 * likelihood plus a log prior, as Optuna's GPSampler does:
 *
 *   log p(y | theta) = -1/2 y^T C^-1 y - 1/2 log det C - n/2 log 2 pi
 *   d/dtheta         =  1/2 tr((alpha alpha^T - C^-1) dC/dtheta),  alpha = C^-1 y
 *
 * The priors keep a few points from being explained by absurd settings
 * (Optuna's, chosen by its authors by hand): on each lambda a penalty
 * -(0.1 / lambda + 0.1 lambda), largest away from lambda = 1 (a length scale
 * of the whole range); Gamma(2, 1) on the scale; Gamma(1.1, 30) on the
 * noise, which favours little noise. The search runs on logarithms (all
 * three are positive) with L-BFGS from lambda = 1, scale = 1, noise = 1, the
 * same start every time, so a fit depends on its data alone.
 */
import { cholesky, choleskyInverse, choleskySolve } from './linalg.js';
import { matern52, matern52Derivative, dimensionDistance, type KernelParams } from './kernel.js';
import { minimize } from './lbfgs.js';

/** The smallest noise variance: keeps C invertible when two trials share a point. Optuna's value. */
export const MINIMUM_NOISE = 1e-6;

export interface FitOptions {
  /** Fix the noise at MINIMUM_NOISE: the objective returns the same value for the same point. */
  readonly deterministic?: boolean;
  /** L-BFGS iterations at most (default 100). */
  readonly maxIterations?: number;
}

/**
 * The log prior of the hyperparameters (constants dropped) and its gradient
 * with respect to their logarithms (written into `gradient`: d lambdas, then
 * scale, then noise).
 *
 * @example
 *   logPrior({ inverseSquaredLengthscales: new Float64Array([1]), scale: 1, noise: 0.1 }, new Float64Array(3));
 *   // -0.2 + (0 - 1) + (0.1 log 0.1 - 3)
 */
export function logPrior(params: KernelParams, gradient: Float64Array): number {
  const lambda = params.inverseSquaredLengthscales;
  const d = lambda.length;
  let value = 0;
  for (let j = 0; j < d; j++) {
    value -= 0.1 / lambda[j] + 0.1 * lambda[j];
    gradient[j] = 0.1 / lambda[j] - 0.1 * lambda[j];
  }
  // Gamma(concentration c, rate r): (c - 1) log x - r x.
  value += Math.log(params.scale) - params.scale;
  gradient[d] = 1 - params.scale;
  value += 0.1 * Math.log(params.noise) - 30 * params.noise;
  gradient[d + 1] = 0.1 - 30 * params.noise; // d/d log(noise); the caller applies the chain rule for the noise floor
  return value;
}

/**
 * The log marginal likelihood of `ys` at points `xs` (n rows of d
 * coordinates) under `params`, without the constant -n/2 log 2 pi, and its
 * gradient with respect to log lambda_j, log scale and the noise variance
 * itself (written into `gradient`). -Infinity when C is not positive definite.
 *
 * @example
 *   const g = new Float64Array(3);
 *   logMarginalLikelihood(new Float64Array([0, 1]), new Float64Array([1, -1]), [false],
 *     { inverseSquaredLengthscales: new Float64Array([1]), scale: 1, noise: 0.01 }, g);
 */
export function logMarginalLikelihood(
  xs: Float64Array,
  ys: Float64Array,
  categorical: readonly boolean[],
  params: KernelParams,
  gradient: Float64Array,
): number {
  const n = ys.length;
  const d = categorical.length;
  const lambda = params.inverseSquaredLengthscales;
  const { scale, noise } = params;
  // Per pair a < b: the per-dimension distances (for the length-scale gradients), k and scale * m'.
  const pairs = (n * (n - 1)) / 2;
  const dist = new Float64Array(pairs * d);
  const kernel = new Float64Array(pairs);
  const slope = new Float64Array(pairs);
  const c = new Float64Array(n * n);
  let p = 0;
  for (let a = 0; a < n; a++) {
    c[a * n + a] = scale + noise;
    for (let b = a + 1; b < n; b++, p++) {
      let r2 = 0;
      for (let j = 0; j < d; j++) {
        const dj = dimensionDistance(xs[a * d + j], xs[b * d + j], categorical[j]);
        dist[p * d + j] = dj;
        r2 += lambda[j] * dj;
      }
      kernel[p] = scale * matern52(r2);
      slope[p] = scale * matern52Derivative(r2);
      c[a * n + b] = kernel[p];
      c[b * n + a] = kernel[p];
    }
  }
  const l = cholesky(c, n);
  if (l === null) return -Infinity;
  const alpha = choleskySolve(l, n, ys);
  let logDet = 0;
  let fit = 0;
  for (let i = 0; i < n; i++) {
    logDet += 2 * Math.log(l[i * n + i]);
    fit += ys[i] * alpha[i];
  }
  const inverse = choleskyInverse(l, n);
  // W = alpha alpha^T - C^-1; each gradient is 1/2 sum_ab W_ab dC_ab, the pairs counted twice.
  gradient.fill(0, 0, d + 2);
  p = 0;
  let diagonal = 0;
  for (let a = 0; a < n; a++) {
    diagonal += alpha[a] * alpha[a] - inverse[a * n + a];
    for (let b = a + 1; b < n; b++, p++) {
      const w = alpha[a] * alpha[b] - inverse[a * n + b];
      if (w === 0) continue;
      // dC_ab / d log lambda_j = scale m'(r2) lambda_j d_j.
      const ws = w * slope[p];
      for (let j = 0; j < d; j++) gradient[j] += ws * lambda[j] * dist[p * d + j];
      gradient[d] += w * kernel[p];
    }
  }
  gradient[d] += 0.5 * diagonal * scale; // d C_aa / d log scale = scale
  gradient[d + 1] = 0.5 * diagonal; // d C_aa / d noise = 1
  return -0.5 * fit - 0.5 * logDet;
}

/**
 * The hyperparameters that maximize log marginal likelihood + log prior for
 * standardized `ys` at `xs` (each coordinate in [0, 1], categorical ones
 * choice indices). Falls back to the starting point (lambda = 1, scale = 1)
 * if the optimizer cannot move from it.
 *
 * @example
 *   const params = fitKernelParams(xs, ys, [false, false]);
 *   1 / Math.sqrt(params.inverseSquaredLengthscales[0]); // the first parameter's length scale
 */
export function fitKernelParams(xs: Float64Array, ys: Float64Array, categorical: readonly boolean[], options: FitOptions = {}): KernelParams {
  const d = categorical.length;
  const deterministic = options.deterministic ?? false;
  const unpack = (raw: Float64Array): KernelParams => ({
    inverseSquaredLengthscales: Float64Array.from(raw.subarray(0, d), Math.exp),
    scale: Math.exp(raw[d]),
    // The noise is exp(raw) above the floor, so any raw value is a valid noise.
    noise: deterministic ? MINIMUM_NOISE : Math.exp(raw[d + 1]) + MINIMUM_NOISE,
  });
  const likelihoodGradient = new Float64Array(d + 2);
  const priorGradient = new Float64Array(d + 2);
  const loss = (raw: Float64Array, gradient: Float64Array): number => {
    const params = unpack(raw);
    const ll = logMarginalLikelihood(xs, ys, categorical, params, likelihoodGradient);
    if (!Number.isFinite(ll)) return Infinity;
    const prior = logPrior(params, priorGradient);
    for (let j = 0; j <= d; j++) gradient[j] = -(likelihoodGradient[j] + priorGradient[j]);
    // The prior's noise gradient is per log(noise); the likelihood's per noise. Both to per raw: times exp(raw).
    const above = Math.exp(raw[d + 1]);
    gradient[d + 1] = deterministic ? 0 : -(likelihoodGradient[d + 1] * above + (priorGradient[d + 1] / params.noise) * above);
    return -(ll + prior);
  };
  // lambda = 1, scale = 1, noise = 1 (Optuna's start); log-space bounds only guard against overflow.
  const start = new Float64Array(d + 2);
  start[d + 1] = Math.log(1 - MINIMUM_NOISE);
  const lower = new Float64Array(d + 2).fill(-20);
  const upper = new Float64Array(d + 2).fill(20);
  // Optuna fits to gtol 1e-2: a looser fit barely changes the proposal and costs far fewer Cholesky factorizations.
  const result = minimize(loss, start, { lower, upper, maxIterations: options.maxIterations ?? 100, gradientTolerance: 1e-2 });
  return unpack(Number.isFinite(result.value) ? result.x : start);
}
