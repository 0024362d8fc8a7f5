/**
 * Pareto dominance over objective vectors, each objective in its own
 * direction: the one rule behind a multi-objective study's best trials
 * (`study.bestTrials`), `caviar show`'s front and the dashboard's. Only
 * complete, feasible trials with finite values take part, as in ranking
 * (rank.ts). The file imports nothing but types.
 */
import type { Direction } from '../types.js';
import { isFeasible, type Constrained } from './constraints.js';

/** What the front reads of a trial: a `FrozenTrial`, or the dashboard's trial row. */
export interface Vectored extends Constrained {
  readonly number: number;
  readonly state: string;
  readonly values?: readonly number[] | null;
}

/**
 * Whether vector `a` dominates `b`: no worse in every objective, strictly
 * better in at least one.
 *
 * @example
 *   dominates([0.9, 2], [0.8, 3], ['maximize', 'minimize']); // true
 *   dominates([0.9, 4], [0.8, 3], ['maximize', 'minimize']); // false
 */
export function dominates(a: readonly number[], b: readonly number[], directions: readonly Direction[]): boolean {
  let strictly = false;
  for (let i = 0; i < directions.length; i++) {
    const d = directions[i] === 'maximize' ? b[i] - a[i] : a[i] - b[i];
    if (d > 0) return false;
    if (d < 0) strictly = true;
  }
  return strictly;
}

/** Whether a trial takes part in the front: complete, feasible, one finite value per direction. */
export function isOnFrontCandidate<T extends Vectored>(t: T, directions: readonly Direction[]): t is T & { readonly values: readonly number[] } {
  const v = t.values;
  return (
    t.state === 'complete' &&
    Array.isArray(v) &&
    v.length === directions.length &&
    v.every((x) => Number.isFinite(x)) &&
    isFeasible(t)
  );
}

/**
 * The non-dominated trials among the candidates, in trial-number order. Two
 * trials with equal vectors are both on the front (neither dominates).
 * O(n·f) for the front size f, fine for the thousands of trials a study has.
 *
 * @example
 *   paretoFront(study.trials(), study.directions).map((t) => t.number); // [3, 17, 40]
 */
export function paretoFront<T extends Vectored>(trials: Iterable<T>, directions: readonly Direction[]): (T & { readonly values: readonly number[] })[] {
  const candidates = [...trials].filter((t): t is T & { readonly values: readonly number[] } => isOnFrontCandidate(t, directions));
  const front: (T & { readonly values: readonly number[] })[] = [];
  for (const t of candidates) {
    if (front.some((f) => dominates(f.values, t.values, directions))) continue;
    for (let i = front.length - 1; i >= 0; i--) if (dominates(t.values, front[i].values, directions)) front.splice(i, 1);
    front.push(t);
  }
  return front.sort((a, b) => a.number - b.number);
}
