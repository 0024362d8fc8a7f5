/**
 * Constraints, as Optuna defines them: a trial may carry a vector of
 * constraint values (`trial.setConstraint([...])`, or an experiment file's
 * `constraints:`), and it is feasible when every value is <= 0. An infeasible
 * trial is kept and shown, but it is never a study's best trial nor on its
 * Pareto front; samplers prefer feasible trials (c-TPE, NSGA-II's
 * constrained domination).
 *
 * A trial without constraint values counts as feasible, so studies without
 * constraints rank exactly as before. The file imports nothing, so the
 * dashboard's page uses it too.
 */

/** What constraint handling reads of a trial. */
export interface Constrained {
  readonly constraints?: readonly number[] | null;
}

/**
 * Whether every constraint value is <= 0 (a trial without any is feasible).
 * NaN is not <= 0, so a constraint that could not be measured is a violation.
 *
 * @example
 *   isFeasible({ constraints: [-1, 0] }); // true
 *   isFeasible({ constraints: [0.5] });   // false
 */
export function isFeasible(t: Constrained): boolean {
  const c = t.constraints;
  if (!c) return true;
  for (const v of c) if (!(v <= 0)) return false;
  return true;
}

/**
 * How far a trial is from feasible: the sum of its positive constraint
 * values (0 when feasible, Infinity when one is NaN). NSGA-II ranks
 * infeasible trials by it, as Deb's constrained domination does.
 *
 * @example
 *   violation({ constraints: [2, -1, 0.5] }); // 2.5
 */
export function violation(t: Constrained): number {
  const c = t.constraints;
  if (!c) return 0;
  let sum = 0;
  for (const v of c) {
    if (Number.isNaN(v)) return Infinity;
    if (v > 0) sum += v;
  }
  return sum;
}
