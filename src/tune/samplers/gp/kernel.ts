/**
 * The Matérn 5/2 kernel with automatic relevance determination (one length
 * scale per parameter), as Optuna's GPSampler and BoTorch use it:
 *
 *   k(x, x') = scale * m(r2),   r2 = sum_j lambda_j * d_j(x_j, x'_j)
 *   m(r2)    = (1 + sqrt(5 r2) + 5/3 r2) * exp(-sqrt(5 r2))
 *
 * where lambda_j = 1 / lengthscale_j^2 (the inverse squared length scale) and
 * d_j is the squared difference on parameter j's [0, 1] scale, or, for a
 * categorical parameter, 0 when the two choices are equal and 1 otherwise
 * (the Hamming distance Optuna uses: one length scale for "a different
 * choice", with no order among the choices).
 *
 * Matérn 5/2 is twice differentiable: smooth enough for gradients of the
 * acquisition, rough enough not to over-smooth a real objective (the squared
 * exponential kernel assumes infinitely smooth functions).
 */

/** The hyperparameters of the kernel and the noise, as fitted by fit.ts. */
export interface KernelParams {
  /** lambda_j = 1 / lengthscale_j^2, one per parameter. */
  readonly inverseSquaredLengthscales: Float64Array;
  /** The prior variance of f: k(x, x) = scale. */
  readonly scale: number;
  /** The observation noise variance, added on the diagonal. */
  readonly noise: number;
}

const SQRT5 = Math.sqrt(5);

/**
 * m(r2), the Matérn 5/2 correlation at squared scaled distance `r2` >= 0.
 *
 * @example
 *   matern52(0);    // 1
 *   matern52(0.2);  // (1 + 1 + 1/3) * exp(-1) = 0.8583...
 */
export function matern52(r2: number): number {
  const s = SQRT5 * Math.sqrt(r2);
  return (1 + s + (5 / 3) * r2) * Math.exp(-s);
}

/**
 * dm/d(r2), the derivative with respect to the squared distance:
 * -5/6 (1 + sqrt(5 r2)) exp(-sqrt(5 r2)). Finite at r2 = 0 (-5/6), where the
 * derivative with respect to the distance itself would need care.
 *
 * @example
 *   matern52Derivative(0);   // -0.8333...
 */
export function matern52Derivative(r2: number): number {
  const s = SQRT5 * Math.sqrt(r2);
  return (-5 / 6) * (1 + s) * Math.exp(-s);
}

/**
 * d_j(a, b): the squared difference, or for a categorical parameter 1 when the choices differ.
 *
 * @example
 *   dimensionDistance(0.2, 0.5, false); // 0.09
 *   dimensionDistance(2, 0, true);      // 1
 */
export function dimensionDistance(a: number, b: number, categorical: boolean): number {
  if (categorical) return a === b ? 0 : 1;
  const d = a - b;
  return d * d;
}

/**
 * r2 between row `i` of `xs` and the point `x` (both of `d` coordinates).
 *
 * @example
 *   scaledDistance(new Float64Array([0, 0]), 0, new Float64Array([0.5, 1]), new Float64Array([4, 1]), [false, false]); // 4 * 0.25 + 1 = 2
 */
export function scaledDistance(
  xs: Float64Array,
  i: number,
  x: Float64Array,
  lambda: Float64Array,
  categorical: readonly boolean[],
): number {
  const d = lambda.length;
  const row = i * d;
  let r2 = 0;
  for (let j = 0; j < d; j++) r2 += lambda[j] * dimensionDistance(xs[row + j], x[j], categorical[j]);
  return r2;
}
