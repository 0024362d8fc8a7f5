/**
 * Non-dominated sorting (Deb et al. 2002, "fast non-dominated sort"): the
 * first front is every point no other point dominates, the second is what
 * the first dominates alone, and so on. O(M N^2) for N points of M
 * objectives: a few thousand points sort in well under a second.
 *
 * With violations (multi/constraints.ts), Deb's constrained domination: a
 * feasible point beats an infeasible one, of two infeasible points the one
 * with the smaller violation wins, and feasible points compare by Pareto
 * dominance. Every point is a vector of losses (lower is better; see
 * objectives.ts).
 */

/**
 * Whether loss vector `a` dominates `b`: no worse anywhere, better somewhere.
 *
 * @example
 *   lossDominates([1, 2], [1, 3]); // true
 *   lossDominates([1, 2], [1, 2]); // false
 */
export function lossDominates(a: readonly number[], b: readonly number[]): boolean {
  let strictly = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) strictly = true;
  }
  return strictly;
}

/**
 * Deb's constrained domination of point i over point j (violation 0: feasible).
 *
 * @example
 *   constrainedDominates([5, 5], 0, [1, 1], 2); // true: feasible beats infeasible
 *   constrainedDominates([5, 5], 1, [1, 1], 2); // true: less violation
 */
export function constrainedDominates(a: readonly number[], violationA: number, b: readonly number[], violationB: number): boolean {
  if (violationA === 0 && violationB === 0) return lossDominates(a, b);
  if (violationA === 0) return true;
  if (violationB === 0) return false;
  return violationA < violationB;
}

/**
 * The fronts of `losses`, best first, each a list of indices in input order.
 * `violations` (one per point, 0 = feasible) switches on constrained domination.
 *
 * @example
 *   nonDominatedSort([[1, 4], [2, 2], [3, 3], [4, 1]]); // [[0, 1, 3], [2]]
 *   nonDominatedSort([[1, 1], [2, 2]], [3, 0]);          // [[1], [0]]
 */
export function nonDominatedSort(losses: readonly (readonly number[])[], violations?: readonly number[]): number[][] {
  const n = losses.length;
  const dominatedBy = new Int32Array(n); // how many points dominate i
  const dominating: number[][] = Array.from({ length: n }, () => []); // the points i dominates
  const beats =
    violations === undefined
      ? (i: number, j: number) => lossDominates(losses[i], losses[j])
      : (i: number, j: number) => constrainedDominates(losses[i], violations[i], losses[j], violations[j]);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (beats(i, j)) {
        dominating[i].push(j);
        dominatedBy[j]++;
      } else if (beats(j, i)) {
        dominating[j].push(i);
        dominatedBy[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) for (const j of dominating[i]) if (--dominatedBy[j] === 0) next.push(j);
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * Each point's front (0 = non-dominated), from `nonDominatedSort`.
 *
 * @example
 *   nonDominatedRanks([[1, 4], [2, 2], [3, 3]]); // Int32Array [0, 0, 1]
 */
export function nonDominatedRanks(losses: readonly (readonly number[])[], violations?: readonly number[]): Int32Array {
  const ranks = new Int32Array(losses.length);
  nonDominatedSort(losses, violations).forEach((front, r) => {
    for (const i of front) ranks[i] = r;
  });
  return ranks;
}
