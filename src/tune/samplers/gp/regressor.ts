/**
 * Gaussian-process regression with fixed kernel hyperparameters: the
 * posterior mean and variance of f at any point, and their gradients with
 * respect to the point (for the acquisition's local search).
 *
 *   C     = K(X, X) + noise I        (n x n, factored once: C = L L^T)
 *   alpha = C^-1 y
 *   mean(x)     = k(x)^T alpha
 *   variance(x) = scale - k(x)^T C^-1 k(x) = scale - |L^-1 k(x)|^2
 *
 * Each posterior costs O(n d) for k(x) and O(n^2) for the triangular solve;
 * with its gradient, one more O(n^2) solve.
 */
import { cholesky, choleskySolve, solveLower, solveLowerTransposed } from './linalg.js';
import { matern52, matern52Derivative, scaledDistance, type KernelParams } from './kernel.js';

/**
 * A GP conditioned on observations `xs` (n rows of d coordinates, row-major) and values `ys`.
 *
 * @example
 *   const params = { inverseSquaredLengthscales: new Float64Array([4]), scale: 1, noise: 1e-6 };
 *   const gp = GaussianProcess.condition(new Float64Array([0.1, 0.9]), new Float64Array([1, -1]), [false], params)!;
 *   gp.posterior(new Float64Array([0.1])); // { mean: ~1, variance: ~1e-6 }
 */
export class GaussianProcess {
  readonly n: number;
  readonly d: number;
  private readonly lambda: Float64Array;
  private readonly k: Float64Array;
  private readonly v: Float64Array;

  private constructor(
    readonly xs: Float64Array,
    readonly ys: Float64Array,
    readonly categorical: readonly boolean[],
    readonly params: KernelParams,
    private readonly chol: Float64Array,
    private readonly alpha: Float64Array,
  ) {
    this.n = ys.length;
    this.d = categorical.length;
    this.lambda = params.inverseSquaredLengthscales;
    this.k = new Float64Array(this.n);
    this.v = new Float64Array(this.n);
  }

  /**
   * Conditions the GP on the observations; null when C is not positive
   * definite even after adding jitter (duplicate points with noise near zero).
   */
  static condition(xs: Float64Array, ys: Float64Array, categorical: readonly boolean[], params: KernelParams): GaussianProcess | null {
    const n = ys.length;
    const c = covariance(xs, n, categorical, params);
    let chol = cholesky(c, n);
    // Jitter, growing tenfold, as GPyTorch's psd_safe_cholesky does: rounding can make a valid C indefinite.
    for (let jitter = 1e-9 * params.scale; chol === null && jitter <= 1e-3 * params.scale; jitter *= 10) {
      for (let i = 0; i < n; i++) c[i * n + i] += jitter;
      chol = cholesky(c, n);
    }
    if (chol === null) return null;
    return new GaussianProcess(xs, ys, categorical, params, chol, choleskySolve(chol, n, ys));
  }

  /**
   * The posterior mean and variance of f at `x` (d coordinates). The variance is clamped at 0 (rounding).
   *
   * @example
   *   gp.posterior(new Float64Array([0.5])); // { mean, variance }
   */
  posterior(x: Float64Array): { mean: number; variance: number } {
    const { n, k, v } = this;
    const scale = this.params.scale;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      k[i] = scale * matern52(scaledDistance(this.xs, i, x, this.lambda, this.categorical));
      mean += k[i] * this.alpha[i];
    }
    solveLower(this.chol, n, k, v);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += v[i] * v[i];
    return { mean, variance: Math.max(0, scale - explained) };
  }

  /**
   * The posterior at `x`, with the gradients of the mean and of the variance
   * with respect to each coordinate of x written into `meanGradient` and
   * `varianceGradient` (0 for categorical coordinates, whose distance is not
   * differentiable; 0 for the variance where it was clamped).
   */
  posteriorWithGradient(x: Float64Array, meanGradient: Float64Array, varianceGradient: Float64Array): { mean: number; variance: number } {
    const { n, d, k, v, lambda } = this;
    const scale = this.params.scale;
    const slope = new Float64Array(n); // scale * m'(r2_i)
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const r2 = scaledDistance(this.xs, i, x, lambda, this.categorical);
      k[i] = scale * matern52(r2);
      slope[i] = scale * matern52Derivative(r2);
      mean += k[i] * this.alpha[i];
    }
    solveLower(this.chol, n, k, v);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += v[i] * v[i];
    const variance = scale - explained;
    // w = C^-1 k: d mean / dk = alpha, d variance / dk = -2 w.
    const w = solveLowerTransposed(this.chol, n, v);
    const clamped = variance <= 0;
    meanGradient.fill(0);
    varianceGradient.fill(0);
    for (let i = 0; i < n; i++) {
      const row = i * d;
      for (let j = 0; j < d; j++) {
        if (this.categorical[j]) continue;
        // dk_i / dx_j = scale m'(r2) * 2 lambda_j (x_j - X_ij).
        const dk = slope[i] * 2 * lambda[j] * (x[j] - this.xs[row + j]);
        meanGradient[j] += this.alpha[i] * dk;
        if (!clamped) varianceGradient[j] -= 2 * w[i] * dk;
      }
    }
    return { mean, variance: Math.max(0, variance) };
  }

  /**
   * The same GP with `extra` points added as observations of its own
   * posterior mean there (the "kriging believer"): the mean stays where it
   * was, the variance around the extra points shrinks. Used for trials still
   * running, so parallel workers do not all propose the same point.
   */
  withBelievers(extra: readonly Float64Array[]): GaussianProcess | null {
    if (extra.length === 0) return this;
    const { n, d } = this;
    const xs = new Float64Array((n + extra.length) * d);
    const ys = new Float64Array(n + extra.length);
    xs.set(this.xs);
    ys.set(this.ys);
    extra.forEach((x, r) => {
      xs.set(x, (n + r) * d);
      ys[n + r] = this.posterior(x).mean;
    });
    return GaussianProcess.condition(xs, ys, this.categorical, this.params);
  }
}

/**
 * C = K(X, X) + noise I for `n` rows of `xs`, row-major n x n.
 *
 * @example
 *   covariance(new Float64Array([0, 1]), 2, [false], { inverseSquaredLengthscales: new Float64Array([1]), scale: 2, noise: 0.1 });
 *   // Float64Array [2.1, 2 * matern52(1), 2 * matern52(1), 2.1]
 */
export function covariance(xs: Float64Array, n: number, categorical: readonly boolean[], params: KernelParams): Float64Array {
  const d = categorical.length;
  const c = new Float64Array(n * n);
  const x = new Float64Array(d);
  for (let a = 0; a < n; a++) {
    c[a * n + a] = params.scale + params.noise;
    for (let j = 0; j < d; j++) x[j] = xs[a * d + j];
    for (let b = a + 1; b < n; b++) {
      const kab = params.scale * matern52(scaledDistance(xs, b, x, params.inverseSquaredLengthscales, categorical));
      c[a * n + b] = kab;
      c[b * n + a] = kab;
    }
  }
  return c;
}
