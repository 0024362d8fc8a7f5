/**
 * Log expected improvement, computed so that it stays finite and keeps a
 * useful gradient where EI itself underflows to 0 (Ament et al. 2023,
 * "Unexpected Improvements to Expected Improvement for Bayesian
 * Optimization", eq. 9; what Optuna's GPSampler and BoTorch's LogEI use).
 *
 * For a posterior N(mean, sigma^2) and the best value so far f0 (maximizing):
 *
 *   EI = E[max(0, f - f0)] = sigma * ei(z),  z = (mean - f0) / sigma
 *   ei(z) = z Phi(z) + phi(z)
 *
 * Far below the best (z << 0) both terms of ei(z) are tiny and nearly
 * cancel; there log ei(z) is computed from the scaled complementary error
 * function erfcx(x) = exp(x^2) erfc(x), which does not underflow:
 *
 *   log ei(z) = -z^2/2 - log sqrt(2 pi) + log(1 + sqrt(pi/2) z erfcx(-z / sqrt 2))
 */

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const LOG_SQRT_2PI = Math.log(Math.sqrt(2 * Math.PI));
const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);

/**
 * erfcx(x) = exp(x^2) erfc(x), accurate to about 1e-12 relative for x >= 0 (checked against SciPy)
 * (for x < 0 it grows like 2 exp(x^2) and overflows below about -26).
 *
 * @example
 *   erfcx(0);  // 1
 *   erfcx(30); // 0.018795888861416751 (about 1 / (30 sqrt(pi)))
 */
export function erfcx(x: number): number {
  if (x < 0) return 2 * Math.exp(x * x) - erfcx(-x);
  if (x < 2.5) {
    // erf(x) = 2/sqrt(pi) exp(-x^2) sum_n (2x^2)^n x / (2n+1)!!: every term positive, no cancellation.
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
    }
    // 1 - erf(x) loses at most a factor erf / erfc ~ 2e3 at x = 2.5: about 1e-13 relative.
    return Math.exp(x2) - 2 * INV_SQRT_PI * sum;
  }
  // Continued fraction erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
  // evaluated by the modified Lentz method.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let dd = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    dd = x + a * dd;
    dd = dd === 0 ? 1 / tiny : 1 / dd;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * dd;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return INV_SQRT_PI / f;
}

/**
 * The complementary error function, from erfcx (no cancellation for large x).
 *
 * @example
 *   erfc(1); // 0.15729920705028513
 */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  return Math.exp(-x * x) * erfcx(x);
}

/**
 * log ei(z) = log E[max(0, Z + z)] for Z ~ N(0, 1), and its derivative d log ei / dz = Phi(z) / ei(z).
 *
 * @example
 *   standardLogEi(0).value;      // log(phi(0)) = -0.9189...
 *   standardLogEi(-40).value;    // -808.29... (ei itself underflows to 0)
 */
export function standardLogEi(z: number): { value: number; slope: number } {
  if (z >= -25) {
    const cdf = 0.5 * erfc(-SQRT_HALF * z);
    const ei = z * cdf + Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
    return { value: Math.log(ei), slope: cdf / ei };
  }
  // With r = erfcx(-z / sqrt 2): Phi(z) = exp(-z^2/2) r / 2 and ei(z) = phi(z) * ratio, so the
  // exponentials cancel in Phi / ei.
  const r = erfcx(-SQRT_HALF * z);
  const ratio = 1 + SQRT_HALF_PI * z * r;
  return { value: -0.5 * z * z - LOG_SQRT_2PI + Math.log(ratio), slope: r / 2 / (INV_SQRT_2PI * ratio) };
}

/**
 * log EI of a posterior N(mean, variance) over the threshold `best`
 * (maximizing), with its partial derivatives in the mean and the variance.
 * `variance` gets `1e-12` added, as Optuna does, so a point already observed
 * without noise still has a finite value.
 *
 * @example
 *   logEi(1, 1, 0).value; // log(1 * Phi(1) + phi(1)) = log(1.0833) = 0.0800...
 */
export function logEi(mean: number, variance: number, best: number): { value: number; dMean: number; dVariance: number } {
  const v = variance + 1e-12;
  const sigma = Math.sqrt(v);
  const z = (mean - best) / sigma;
  const { value, slope } = standardLogEi(z);
  // d/dmean = slope / sigma; d/dsigma = -slope z / sigma + 1 / sigma; dsigma/dvariance = 1 / (2 sigma).
  return { value: value + Math.log(sigma), dMean: slope / sigma, dVariance: (1 - slope * z) / (2 * v) };
}
