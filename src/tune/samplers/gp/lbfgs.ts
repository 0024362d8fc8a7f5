/**
 * A small limited-memory BFGS minimizer with optional box bounds (projected
 * L-BFGS): the quasi-Newton direction is computed over the coordinates not
 * held at a bound, and the step backtracks along the projected path
 * clip(x + t d) until the Armijo condition holds. It stands in for SciPy's
 * L-BFGS-B, which Optuna uses both to fit the kernel and to refine the
 * acquisition; it is simpler (no generalized Cauchy point), which is enough
 * for the smooth, low-dimensional problems here.
 */

export interface MinimizeOptions {
  /** Lower bounds, one per coordinate (default: none). */
  readonly lower?: Float64Array;
  /** Upper bounds, one per coordinate (default: none). */
  readonly upper?: Float64Array;
  /** Iterations at most (default 100). */
  readonly maxIterations?: number;
  /** Stop when every free coordinate's gradient is below this in magnitude (default 1e-5). */
  readonly gradientTolerance?: number;
  /** Stop when an iteration lowers f by less than this relative amount (default 2.2e-9, SciPy's factr 1e7). */
  readonly valueTolerance?: number;
  /** Correction pairs kept (default 10, as SciPy). */
  readonly memory?: number;
}

export interface MinimizeResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  /** Evaluations of f, the start's included. */
  readonly evaluations: number;
  /** True when a tolerance stopped it, false when it ran out of iterations or could not descend. */
  readonly converged: boolean;
}

/**
 * Minimizes `f`, which returns f(x) and writes its gradient into `gradient`.
 * A non-finite value counts as "too far": the line search backs off from it.
 *
 * @example
 *   const r = minimize((x, g) => { g[0] = 2 * (x[0] - 3); return (x[0] - 3) ** 2; }, new Float64Array([0]));
 *   r.x[0]; // 3 (about)
 *   minimize((x, g) => { g[0] = 1; return x[0]; }, new Float64Array([5]), { lower: new Float64Array([1]), upper: new Float64Array([9]) }).x[0]; // 1
 */
export function minimize(
  f: (x: Float64Array, gradient: Float64Array) => number,
  x0: Float64Array,
  options: MinimizeOptions = {},
): MinimizeResult {
  const n = x0.length;
  const lower = options.lower ?? new Float64Array(n).fill(-Infinity);
  const upper = options.upper ?? new Float64Array(n).fill(Infinity);
  const maxIterations = options.maxIterations ?? 100;
  const gtol = options.gradientTolerance ?? 1e-5;
  const ftol = options.valueTolerance ?? 2.2e-9;
  const memory = options.memory ?? 10;

  const clip = (i: number, v: number): number => Math.min(upper[i], Math.max(lower[i], v));
  let x = Float64Array.from(x0, (v, i) => clip(i, v));
  let g = new Float64Array(n);
  let fx = f(x, g);
  let evaluations = 1;
  if (!Number.isFinite(fx)) return { x, value: fx, iterations: 0, evaluations, converged: false };

  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const rhos: number[] = [];
  const free = new Uint8Array(n);
  const d = new Float64Array(n);
  const alphas = new Float64Array(memory);
  let converged = false;
  let iteration = 0;
  for (; iteration < maxIterations; iteration++) {
    // 1. Coordinates at a bound whose gradient pushes outward stay there.
    let largest = 0;
    for (let i = 0; i < n; i++) {
      free[i] = (x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0) ? 0 : 1;
      if (free[i]) largest = Math.max(largest, Math.abs(g[i]));
    }
    if (largest < gtol) {
      converged = true;
      break;
    }
    // 2. Two-loop recursion: d = -H g over the free coordinates.
    for (let i = 0; i < n; i++) d[i] = free[i] ? g[i] : 0;
    for (let k = ss.length - 1; k >= 0; k--) {
      alphas[k] = rhos[k] * dot(ss[k], d);
      axpy(-alphas[k], ys[k], d);
    }
    const last = ss.length - 1;
    const gamma = last >= 0 ? dot(ss[last], ys[last]) / dot(ys[last], ys[last]) : Math.min(1, 1 / largest);
    for (let i = 0; i < n; i++) d[i] *= gamma;
    for (let k = 0; k < ss.length; k++) axpy(alphas[k] - rhos[k] * dot(ys[k], d), ss[k], d);
    let slope = 0;
    for (let i = 0; i < n; i++) {
      d[i] = free[i] ? -d[i] : 0;
      slope += d[i] * g[i];
    }
    if (!(slope < 0)) {
      // The curvature pairs went stale: restart from steepest descent.
      ss.length = 0;
      ys.length = 0;
      rhos.length = 0;
      for (let i = 0; i < n; i++) d[i] = free[i] ? -g[i] * Math.min(1, 1 / largest) : 0;
    }
    // 3. Backtracking along the projected path until f drops enough (Armijo, c = 1e-4).
    const next = new Float64Array(n);
    const nextG = new Float64Array(n);
    let nextF = NaN;
    let accepted = false;
    for (let t = 1, tries = 0; tries < 40; tries++, t *= 0.5) {
      let moved = false;
      let decrease = 0;
      for (let i = 0; i < n; i++) {
        next[i] = clip(i, x[i] + t * d[i]);
        if (next[i] !== x[i]) moved = true;
        decrease += g[i] * (next[i] - x[i]);
      }
      if (!moved) break;
      nextF = f(next, nextG);
      evaluations++;
      if (Number.isFinite(nextF) && nextF <= fx + 1e-4 * decrease) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    // 4. Keep the pair (s, y) when it has positive curvature, so H stays positive definite.
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = next[i] - x[i];
      y[i] = nextG[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-10 * dot(y, y)) {
      if (ss.length === memory) {
        ss.shift();
        ys.shift();
        rhos.shift();
      }
      ss.push(s);
      ys.push(y);
      rhos.push(1 / sy);
    }
    const drop = fx - nextF;
    x = next;
    g = nextG;
    fx = nextF;
    if (drop <= ftol * Math.max(Math.abs(fx), Math.abs(fx + drop), 1)) {
      converged = true;
      iteration++;
      break;
    }
  }
  return { x, value: fx, iterations: iteration, evaluations, converged };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}
