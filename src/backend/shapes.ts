/**
 * Shape checks every backend makes before it touches memory, written once so
 * that each backend refuses the same mistakes with the same words.
 */
import type { Matrix } from './tensor.js';

export function shapeError(what: string, detail: string): RangeError {
  return new RangeError(`${what}: shape mismatch: ${detail}`);
}

/**
 * Checks out = op(a) op(b): op(a) is [m][k], op(b) is [k][n], out is [m][n].
 * Returns nothing (no object per call: it runs several times per batch).
 */
export function checkGemm(a: Matrix, transA: boolean, b: Matrix, transB: boolean, out: Matrix): void {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  if (k !== kb || out.rows !== m || out.cols !== n) {
    throw shapeError('gemm', `op(a) is [${m}][${k}], op(b) is [${kb}][${n}], out is [${out.rows}][${out.cols}]`);
  }
}
