/**
 * A Parzen estimator (kernel density) over the internal space: one kernel
 * per observation plus one broad "prior" kernel, mixed by weight. TPE fits
 * one to the good trials, l(x), and one to the rest, g(x), and proposes the
 * candidate that maximises l(x) / g(x).
 *
 * Each kernel is a product over dimensions: numeric dimensions get a normal
 * truncated to the internal range; categorical ones a smoothed distribution
 * that puts extra mass on the observed choice. Points are packed row-major
 * in Float64Arrays, `[point, dimension]`, categorical coordinates as choice
 * indices.
 */
import type { Rng } from '../../../util/rng.js';
import { normalCdf, normalQuantile } from './normal.js';

/** One dimension of the internal space. */
export type KernelDimension =
  | { readonly kind: 'numeric'; readonly low: number; readonly high: number }
  | { readonly kind: 'categorical'; readonly choices: number };

export interface ParzenOptions {
  /** Weight of the prior kernel relative to an observation of weight 1 (Optuna's prior_weight, default 1). */
  readonly priorWeight: number;
  /**
   * Bandwidth rule. 'scott': every kernel of a dimension gets
   * `bandwidthFactor * n^(-1/(dims + 4)) * range`, the rule of Optuna's
   * multivariate TPE. 'neighbors': each kernel's bandwidth is the larger
   * distance to its sorted neighbours, the rule of Optuna's univariate TPE.
   */
  readonly bandwidth: 'scott' | 'neighbors';
  /** Multiplier of the 'scott' rule (Optuna: 0.2). */
  readonly bandwidthFactor: number;
  /** Floor on bandwidths: range / min(100, 1 + kernels) (Optuna's consider_magic_clip). */
  readonly magicClip: boolean;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * @example
 *   const pe = new ParzenEstimator([{ kind: 'numeric', low: 0, high: 1 }], Float64Array.of(0.2, 0.3), Float64Array.of(1, 1),
 *     { priorWeight: 1, bandwidth: 'scott', bandwidthFactor: 0.2, magicClip: true });
 *   const candidates = pe.sample(new Rng(1), 24);   // 24 points near 0.2..0.3 (and a few from the prior)
 *   const logDensity = pe.logPdf(candidates, 24);
 */
export class ParzenEstimator {
  /** Kernels: the observations, then the prior. */
  readonly kernels: number;
  private readonly dims: readonly KernelDimension[];
  private readonly numeric: number[] = [];
  private readonly categorical: number[] = [];
  private readonly cumulativeWeight: Float64Array; // [kernel]
  /** log weight - sum of the numeric log normalisers, per kernel. */
  private readonly logConst: Float64Array; // [kernel]
  // Numeric kernel parameters, dimension-major so that the hot loop runs over contiguous kernels.
  private readonly mu: Float64Array; // [numeric dim, kernel]
  private readonly sigma: Float64Array; // [numeric dim, kernel]
  /** 1 / (2 sigma^2). */
  private readonly halfPrecision: Float64Array; // [numeric dim, kernel]
  private readonly cdfLow: Float64Array; // [numeric dim, kernel]
  private readonly cdfHigh: Float64Array; // [numeric dim, kernel]
  /** Per categorical dimension: log probability of each choice under each kernel. */
  private readonly logProb: Float64Array[] = []; // [categorical dim][choice, kernel]
  private readonly terms: Float64Array; // [kernel], scratch for logPdf

  /**
   * @param points observations, row-major [observations, dims]
   * @param weights one weight per observation (any positive scale)
   */
  constructor(dims: readonly KernelDimension[], points: Float64Array, weights: Float64Array, options: ParzenOptions) {
    const d = dims.length;
    const m = weights.length;
    if (points.length !== m * d) throw new RangeError(`expected ${m * d} coordinates for ${m} points, got ${points.length}`);
    this.dims = dims;
    const k = m + 1;
    this.kernels = k;
    this.terms = new Float64Array(k);
    dims.forEach((dim, j) => (dim.kind === 'numeric' ? this.numeric : this.categorical).push(j));

    // Kernel weights, normalised; the prior is the last kernel.
    const logConst = new Float64Array(k);
    let total = options.priorWeight;
    for (let i = 0; i < m; i++) total += weights[i];
    this.cumulativeWeight = new Float64Array(k);
    let acc = 0;
    for (let i = 0; i < k; i++) {
      const w = (i < m ? weights[i] : options.priorWeight) / total;
      logConst[i] = Math.log(w);
      acc += w;
      this.cumulativeWeight[i] = acc;
    }
    this.logConst = logConst;

    const dn = this.numeric.length;
    const mu = (this.mu = new Float64Array(dn * k));
    const sigma = (this.sigma = new Float64Array(dn * k));
    const halfPrecision = (this.halfPrecision = new Float64Array(dn * k));
    const cdfLow = (this.cdfLow = new Float64Array(dn * k));
    const cdfHigh = (this.cdfHigh = new Float64Array(dn * k));
    for (let jn = 0; jn < dn; jn++) {
      const j = this.numeric[jn];
      const dim = dims[j] as { low: number; high: number };
      const range = dim.high - dim.low;
      const base = jn * k;
      for (let i = 0; i < m; i++) mu[base + i] = points[i * d + j];
      mu[base + m] = 0.5 * (dim.low + dim.high);
      const mus = mu.subarray(base, base + k);
      const sigmas = options.bandwidth === 'scott' ? scottBandwidths(m, d, range, options.bandwidthFactor) : neighborBandwidths(mus, m, dim.low, dim.high);
      sigmas[m] = range; // the prior spans the whole range
      const minSigma = options.magicClip ? range / Math.min(100, 1 + k) : range * 1e-12;
      let lastSigma = NaN;
      let logNorm = 0;
      for (let i = 0; i < k; i++) {
        const s = Math.min(range, Math.max(minSigma, sigmas[i])) || 1e-12;
        if (s !== lastSigma) {
          // With the 'scott' rule every observation shares one bandwidth: one log per dimension.
          lastSigma = s;
          logNorm = Math.log(s) + HALF_LOG_2PI;
        }
        const at = base + i;
        sigma[at] = s;
        halfPrecision[at] = 0.5 / (s * s);
        const a = (dim.low - mus[i]) / s;
        const b = (dim.high - mus[i]) / s;
        // Beyond 9 sigma the tail is below 1e-19: no erfc needed, and most kernels of a big study are there.
        const low = a < -9 ? 0 : normalCdf(a);
        const high = b > 9 ? 1 : normalCdf(b);
        cdfLow[at] = low;
        cdfHigh[at] = high;
        const mass = high - low;
        logConst[i] -= logNorm + (mass < 1 ? Math.log(Math.max(mass, 1e-300)) : 0);
      }
    }

    // Categorical: an observation's kernel gives its choice 1 + w/k and every choice w/k (w the prior
    // weight, k the kernels), normalised, so the smoothing fades as observations accumulate (Optuna's
    // rule); the prior kernel is uniform.
    const smooth = options.priorWeight / k;
    for (const j of this.categorical) {
      const n = (dims[j] as { choices: number }).choices;
      const table = new Float64Array(n * k);
      const norm = 1 + n * smooth;
      for (let i = 0; i < k; i++) {
        const chosen = i === m ? -1 : points[i * d + j];
        for (let c = 0; c < n; c++) {
          table[c * k + i] = i === m ? -Math.log(n) : Math.log(((c === chosen ? 1 : 0) + smooth) / norm || 1e-300);
        }
      }
      this.logProb.push(table);
    }
  }

  /** `count` points drawn from the mixture, row-major [count, dims]. */
  sample(rng: Rng, count: number): Float64Array {
    const d = this.dims.length;
    const k = this.kernels;
    const out = new Float64Array(count * d);
    for (let s = 0; s < count; s++) {
      const i = this.pickKernel(rng.uniform());
      for (let jn = 0; jn < this.numeric.length; jn++) {
        const j = this.numeric[jn];
        const at = jn * k + i;
        const dim = this.dims[j] as { low: number; high: number };
        // Inverse-CDF sampling of the truncated normal: one uniform, no rejection loop.
        const p = this.cdfLow[at] + rng.uniform() * (this.cdfHigh[at] - this.cdfLow[at]);
        const x = this.mu[at] + this.sigma[at] * normalQuantile(p);
        out[s * d + j] = Math.min(dim.high, Math.max(dim.low, Number.isFinite(x) ? x : this.mu[at]));
      }
      for (let jc = 0; jc < this.categorical.length; jc++) {
        const j = this.categorical[jc];
        const n = (this.dims[j] as { choices: number }).choices;
        const table = this.logProb[jc];
        let u = rng.uniform();
        let c = 0;
        for (; c < n - 1; c++) {
          u -= Math.exp(table[c * k + i]);
          if (u < 0) break;
        }
        out[s * d + j] = c;
      }
    }
    return out;
  }

  /** Log density of each of `count` points (row-major [count, dims]). */
  logPdf(points: Float64Array, count: number): Float64Array {
    const d = this.dims.length;
    const k = this.kernels;
    const { mu, halfPrecision, logConst, numeric, categorical, logProb } = this;
    const terms = this.terms;
    const out = new Float64Array(count);
    for (let s = 0; s < count; s++) {
      // terms[i]: log of kernel i's weighted density at the point, one dimension at a time.
      terms.set(logConst);
      for (let jn = 0; jn < numeric.length; jn++) {
        const x = points[s * d + numeric[jn]];
        const base = jn * k;
        for (let i = 0; i < k; i++) {
          const diff = x - mu[base + i];
          terms[i] -= halfPrecision[base + i] * diff * diff;
        }
      }
      for (let jc = 0; jc < categorical.length; jc++) {
        const table = logProb[jc];
        const base = points[s * d + categorical[jc]] * k;
        for (let i = 0; i < k; i++) terms[i] += table[base + i];
      }
      let max = -Infinity;
      for (let i = 0; i < k; i++) if (terms[i] > max) max = terms[i];
      let sum = 0;
      for (let i = 0; i < k; i++) {
        const diff = terms[i] - max;
        // exp(-40) is below 1e-17 of the largest term: skipping it changes nothing and saves most exps.
        if (diff > -40) sum += Math.exp(diff);
      }
      out[s] = max + Math.log(sum);
    }
    return out;
  }

  /**
   * The same log density, computed the plain way (each kernel's truncated
   * normal from scratch): the reference `logPdf` is tested against.
   */
  logPdfReference(point: ArrayLike<number>): number {
    const k = this.kernels;
    let density = 0;
    for (let i = 0; i < k; i++) {
      let p = this.cumulativeWeight[i] - (i > 0 ? this.cumulativeWeight[i - 1] : 0);
      for (let jn = 0; jn < this.numeric.length; jn++) {
        const dim = this.dims[this.numeric[jn]] as { low: number; high: number };
        const m = this.mu[jn * k + i];
        const s = this.sigma[jn * k + i];
        const z = (point[this.numeric[jn]] - m) / s;
        const mass = normalCdf((dim.high - m) / s) - normalCdf((dim.low - m) / s);
        p *= Math.exp(-0.5 * z * z) / (s * Math.sqrt(2 * Math.PI) * mass);
      }
      for (let jc = 0; jc < this.categorical.length; jc++) p *= Math.exp(this.logProb[jc][point[this.categorical[jc]] * k + i]);
      density += p;
    }
    return Math.log(density);
  }

  private pickKernel(u: number): number {
    const cw = this.cumulativeWeight;
    let lo = 0;
    let hi = cw.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (u < cw[mid]) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

function scottBandwidths(m: number, dims: number, range: number, factor: number): Float64Array {
  const sigma = factor * Math.max(m, 1) ** (-1 / (dims + 4)) * range;
  return new Float64Array(m + 1).fill(sigma);
}

// Optuna's univariate rule: each kernel is as wide as the larger gap to its neighbours among the
// sorted means (prior mean included); the outermost ones use their only inner gap.
function neighborBandwidths(mus: Float64Array, m: number, low: number, high: number): Float64Array {
  const k = m + 1;
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => mus[a] - mus[b]);
  const sigmas = new Float64Array(k);
  for (let r = 0; r < k; r++) {
    const x = mus[order[r]];
    const left = r > 0 ? x - mus[order[r - 1]] : x - low;
    const right = r < k - 1 ? mus[order[r + 1]] - x : high - x;
    let s = Math.max(left, right);
    if (k >= 2 && r === 0) s = right;
    else if (k >= 2 && r === k - 1) s = left;
    sigmas[order[r]] = s;
  }
  return sigmas;
}
