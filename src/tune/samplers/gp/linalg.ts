/**
 * The dense linear algebra a Gaussian process needs, on row-major
 * `Float64Array`s of n x n: the Cholesky factor of a covariance matrix,
 * triangular solves against it, and the inverse it gives. Plain loops: the
 * matrices here are at most a few hundred wide (the sampler caps its
 * history), where a blocked kernel would not pay for itself.
 */

/**
 * The lower Cholesky factor L of a symmetric positive-definite `a` (n x n),
 * `a = L L^T`, written into a new array (upper triangle zero); null when `a`
 * is not positive definite (a pivot <= 0 or not finite).
 *
 * @example
 *   cholesky(new Float64Array([4, 2, 2, 3]), 2); // Float64Array [2, 0, 1, 1.414...]
 */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let sum = a[rowI + j];
      for (let k = 0; k < j; k++) sum -= l[rowI + k] * l[rowJ + k];
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return null;
        l[rowI + i] = Math.sqrt(sum);
      } else {
        l[rowI + j] = sum / l[rowJ + j];
      }
    }
  }
  return l;
}

/**
 * Solves L x = b for lower-triangular `l` (n x n), forward substitution; `out` may be `b`.
 *
 * @example
 *   solveLower(new Float64Array([2, 0, 1, 1]), 2, new Float64Array([2, 3])); // Float64Array [1, 2]
 */
export function solveLower(l: Float64Array, n: number, b: Float64Array, out: Float64Array = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[row + k] * out[k];
    out[i] = sum / l[row + i];
  }
  return out;
}

/**
 * Solves L^T x = b for lower-triangular `l` (n x n), backward substitution; `out` may be `b`.
 *
 * @example
 *   solveLowerTransposed(new Float64Array([2, 0, 1, 1]), 2, new Float64Array([4, 2])); // Float64Array [1, 2]
 */
export function solveLowerTransposed(l: Float64Array, n: number, b: Float64Array, out: Float64Array = new Float64Array(n)): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * out[k];
    out[i] = sum / l[i * n + i];
  }
  return out;
}

/**
 * Solves (L L^T) x = b, that is A x = b for A's Cholesky factor `l`.
 *
 * @example
 *   const l = cholesky(new Float64Array([4, 2, 2, 3]), 2)!;
 *   choleskySolve(l, 2, new Float64Array([6, 5])); // Float64Array [1, 1]
 */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const y = solveLower(l, n, b);
  return solveLowerTransposed(l, n, y, y);
}

/**
 * A^-1 from A's Cholesky factor `l`: L^-1 by forward substitution, then
 * A^-1 = L^-T L^-1 (symmetric; both triangles filled). About n^3 / 2 + n^3 / 3 multiply-adds.
 *
 * @example
 *   choleskyInverse(cholesky(new Float64Array([4, 2, 2, 3]), 2)!, 2); // Float64Array [0.375, -0.25, -0.25, 0.5]
 */
export function choleskyInverse(l: Float64Array, n: number): Float64Array {
  // m = L^-1, lower triangular, row by row: m_i = (e_i - sum_{k<i} L_ik m_k) / L_ii (rows stay contiguous).
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let k = 0; k < i; k++) {
      const a = l[rowI + k];
      if (a === 0) continue;
      const rowK = k * n;
      for (let j = 0; j <= k; j++) m[rowI + j] -= a * m[rowK + j];
    }
    m[rowI + i] += 1;
    const inverseDiagonal = 1 / l[rowI + i];
    for (let j = 0; j <= i; j++) m[rowI + j] *= inverseDiagonal;
  }
  // A^-1 = M^T M = sum_k (row k of M)^T (row k of M); the lower triangle, then mirrored.
  const inv = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rowK = k * n;
    for (let i = 0; i <= k; i++) {
      const a = m[rowK + i];
      if (a === 0) continue;
      const rowI = i * n;
      for (let j = 0; j <= i; j++) inv[rowI + j] += a * m[rowK + j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) inv[j * n + i] = inv[i * n + j];
  return inv;
}
