/**
 * Which trial is better: the one rule the study's best trial, the samplers,
 * the commands and the dashboard (its server and its page) all follow.
 *
 * - By the objective, in the study's direction: lowest first for
 *   `minimize`, highest first for `maximize`.
 * - Only complete trials with a finite value are ranked. A storage keeps no
 *   other complete trial (it refuses NaN and the infinities); a study view
 *   put together by hand might, and such a trial is left out, never first.
 * - Only feasible trials are ranked (multi/constraints.ts): a trial whose
 *   constraints are violated is kept and shown, never best.
 * - Ties go to the earlier trial (the lower number): the best trial is the
 *   first that reached the best value, whichever order the trials came in.
 *
 * The file imports nothing but types and the import-free constraints rule,
 * so the dashboard's page uses it too.
 */
import { isFeasible } from './multi/constraints.js';
import type { Direction, TrialState } from './types.js';

/** What ranking reads of a trial: a `FrozenTrial`, or the dashboard's trial row. */
export interface Ranked {
  readonly number: number;
  readonly state: TrialState;
  readonly value?: number | null;
  /** Constraint values; absent or null: feasible. */
  readonly constraints?: readonly number[] | null;
}

/**
 * Negative when value `a` is better than `b` in `direction`, positive when
 * worse, 0 when equal: a comparator for values alone.
 *
 * @example
 *   [3, 1, 2].sort((a, b) => compareValues('maximize', a, b)); // [3, 2, 1]
 */
export function compareValues(direction: Direction, a: number, b: number): number {
  return direction === 'maximize' ? b - a : a - b;
}

/**
 * Whether value `a` is strictly better than `b` in `direction` (a running
 * best moves only on a strict improvement, so ties keep the earlier trial).
 *
 * @example
 *   isBetter('minimize', 0.1, 0.2); // true
 *   isBetter('maximize', 0.1, 0.1); // false
 */
export function isBetter(direction: Direction, a: number, b: number): boolean {
  return compareValues(direction, a, b) < 0;
}

/** Whether a trial takes part in ranking: complete, feasible, with a finite value. */
export function isRanked(t: Ranked): t is Ranked & { readonly value: number } {
  return t.state === 'complete' && typeof t.value === 'number' && Number.isFinite(t.value) && isFeasible(t);
}

/**
 * The complete trials with a finite value, best first; ties by trial number.
 * A new array: the input is not reordered.
 *
 * @example
 *   rankTrials(study.trials(), study.direction).slice(0, 5); // the top five
 */
export function rankTrials<T extends Ranked>(trials: Iterable<T>, direction: Direction): (T & { readonly value: number })[] {
  const ranked: (T & { readonly value: number })[] = [];
  for (const t of trials) if (isRanked(t)) ranked.push(t);
  return ranked.sort((a, b) => compareValues(direction, a.value, b.value) || a.number - b.number);
}

/**
 * The best trial as `rankTrials` would put it first, or undefined when none
 * is ranked; one pass, no sort.
 *
 * @example
 *   bestOf(study.trials(), 'maximize')?.number; // 17
 */
export function bestOf<T extends Ranked>(trials: Iterable<T>, direction: Direction): (T & { readonly value: number }) | undefined {
  let best: (T & { readonly value: number }) | undefined;
  for (const t of trials) {
    if (!isRanked(t)) continue;
    if (best === undefined || isBetter(direction, t.value, best.value) || (t.value === best.value && t.number < best.number)) best = t;
  }
  return best;
}
