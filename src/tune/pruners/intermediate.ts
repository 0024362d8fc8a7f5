/**
 * Reading a trial's learning curve: the helpers every pruner shares.
 */
import type { FrozenTrial } from '../types.js';

/**
 * The last step a trial reported, or undefined before its first report.
 *
 * @example
 *   lastStep(trial); // 7 after trial.report(loss, 7)
 */
export function lastStep(trial: FrozenTrial): number | undefined {
  let last: number | undefined;
  for (const step of trial.intermediate.keys()) if (last === undefined || step > last) last = step;
  return last;
}

/**
 * The step a trial reported just before its last one (-1 when there is none): pruners use it to
 * tell whether the last report crossed a checkpoint.
 *
 * @example
 *   previousStep(trial); // 6 after reports at steps 5, 6, 7
 */
export function previousStep(trial: FrozenTrial): number {
  let last = -Infinity;
  let previous = -1;
  for (const step of trial.intermediate.keys()) {
    if (step > last) {
      if (last !== -Infinity) previous = Math.max(previous, last);
      last = step;
    } else {
      previous = Math.max(previous, step);
    }
  }
  return previous;
}

/**
 * The linear-interpolation percentile (numpy's default) of `values`, q in [0, 100].
 *
 * @example
 *   percentile([1, 2, 3, 4], 50); // 2.5
 */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
