/**
 * The reference point a study's hypervolume is measured from when the user
 * gives none: each objective's worst value among the study's complete,
 * feasible trials, moved a tenth of its range further out, so the trials
 * that set the worst values still add volume. One rule, so that
 * `caviar show`, the dashboard and the benchmarks report the same number.
 */
import type { Direction } from '../types.js';

/**
 * @example
 *   nadirReference([[0.9, 2], [0.8, 1]], ['maximize', 'minimize']); // [0.79, 2.1]
 */
export function nadirReference(values: readonly (readonly number[])[], directions: readonly Direction[]): number[] {
  if (values.length === 0) throw new RangeError('a reference point needs at least one trial with values');
  return directions.map((d, i) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      lo = Math.min(lo, v[i]);
      hi = Math.max(hi, v[i]);
    }
    // A flat objective (every trial equal) still needs room: a tenth of its size, or 1 at 0.
    const margin = hi > lo ? (hi - lo) / 10 : Math.abs(hi) / 10 || 1;
    return d === 'maximize' ? lo - margin : hi + margin;
  });
}
