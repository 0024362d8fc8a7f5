/**
 * Hypervolume: the volume of objective space that a set of points dominates
 * up to a reference point, the one number that says how good a whole Pareto
 * front is (closer to the ideal and more spread out are both larger). Exact:
 *
 * - two objectives: a sweep along the first objective, O(n log n);
 * - three and more: WFG (While, Bradstreet & Barone 2012), which sums each
 *   point's exclusive volume, the box it spans less what the points after it
 *   cover inside that box, recursing on those "limited" points; its base
 *   case is the 2-D sweep. Exponential in the worst case, fast for the tens
 *   to hundreds of points a study's front has.
 *
 * Points are loss vectors (every objective minimized, see objectives.ts);
 * `studyHypervolume` takes values in the study's directions. A point not
 * strictly better than the reference in every objective adds nothing.
 */
import type { Direction } from '../types.js';
import { lossDominates } from './sort.js';
import { toLosses } from './objectives.js';

type Point = readonly number[];

/**
 * The hypervolume dominated by `points` (losses) up to `reference`.
 *
 * @example
 *   hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4]); // 6
 *   hypervolume([[0, 0, 0]], [1, 2, 3]);           // 6
 */
export function hypervolume(points: readonly Point[], reference: Point): number {
  const m = reference.length;
  for (const p of points) if (p.length !== m) throw new RangeError(`hypervolume: a point has ${p.length} objectives, the reference point ${m}`);
  const inside = points.filter((p) => p.every((x, k) => x < reference[k]));
  if (inside.length === 0) return 0;
  if (m === 1) return reference[0] - Math.min(...inside.map((p) => p[0]));
  return wfg(nonDominated(inside), reference);
}

/**
 * Hypervolume of objective vectors in the study's directions: maximized
 * objectives (and the reference's coordinates for them) are negated first.
 *
 * @example
 *   studyHypervolume([[0.9, 2]], ['maximize', 'minimize'], [0.5, 10]); // (0.9 - 0.5) * (10 - 2) = 3.2
 */
export function studyHypervolume(values: readonly Point[], directions: readonly Direction[], reference: Point): number {
  return hypervolume(
    values.map((v) => toLosses(v, directions)),
    toLosses(reference, directions),
  );
}

/**
 * Each point's exclusive contribution: the volume lost if it were removed.
 *
 * @example
 *   hypervolumeContributions([[1, 3], [2, 2], [3, 1]], [4, 4]); // [1, 1, 1]
 */
export function hypervolumeContributions(points: readonly Point[], reference: Point): Float64Array {
  const total = hypervolume(points, reference);
  return Float64Array.from(points, (_, i) => total - hypervolume(points.filter((_, j) => j !== i), reference));
}

/**
 * The `k` points whose union has (nearly) the largest hypervolume, chosen
 * greedily: each step adds the point that adds the most. Within 1 - 1/e of
 * the best subset (hypervolume is submodular); what Optuna's MOTPE uses to
 * pick the good trials among a front that has more than it needs. Indices
 * in the order chosen; ties go to the lower index.
 *
 * @example
 *   greedyHypervolumeSubset([[1, 3], [2, 2], [3, 1], [2.5, 2.5]], 2, [4, 4]); // [1, 0]
 */
export function greedyHypervolumeSubset(points: readonly Point[], k: number, reference: Point): number[] {
  const chosen: number[] = [];
  const taken = new Uint8Array(points.length);
  let volume = 0;
  while (chosen.length < Math.min(k, points.length)) {
    let best = -1;
    let bestGain = -Infinity;
    for (let i = 0; i < points.length; i++) {
      if (taken[i]) continue;
      const gain = hypervolume([...chosen.map((c) => points[c]), points[i]], reference) - volume;
      if (gain > bestGain) {
        bestGain = gain;
        best = i;
      }
    }
    taken[best] = 1;
    chosen.push(best);
    volume += bestGain;
  }
  return chosen;
}

// WFG on non-dominated points strictly inside the reference box.
function wfg(points: readonly Point[], reference: Point): number {
  if (points.length === 0) return 0;
  if (reference.length === 2) return sweep2d(points, reference);
  // Sorting by the last objective (worst first) makes the limited sets small (WFG's own advice).
  const m = reference.length;
  const sorted = [...points].sort((a, b) => b[m - 1] - a[m - 1]);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) total += exclusive(sorted, i, reference);
  return total;
}

// The volume only point i covers among points i, i+1, ...
function exclusive(points: readonly Point[], i: number, reference: Point): number {
  const p = points[i];
  let box = 1;
  for (let k = 0; k < reference.length; k++) box *= reference[k] - p[k];
  if (i + 1 === points.length) return box;
  // The later points, each clipped to p's box: what they cover of it.
  const limited: Point[] = [];
  for (let j = i + 1; j < points.length; j++) limited.push(points[j].map((x, k) => Math.max(x, p[k])));
  return box - wfg(nonDominated(limited), reference);
}

// Two objectives: sort by the first, sweep, adding each step's rectangle.
function sweep2d(points: readonly Point[], reference: Point): number {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let volume = 0;
  let floor = reference[1];
  for (const p of sorted) {
    if (p[1] >= floor) continue;
    volume += (reference[0] - p[0]) * (floor - p[1]);
    floor = p[1];
  }
  return volume;
}

// The points no other dominates, duplicates once.
function nonDominated(points: readonly Point[]): Point[] {
  const kept: Point[] = [];
  for (const p of points) {
    if (kept.some((q) => lossDominates(q, p) || q.every((x, k) => x === p[k]))) continue;
    for (let i = kept.length - 1; i >= 0; i--) if (lossDominates(p, kept[i])) kept.splice(i, 1);
    kept.push(p);
  }
  return kept;
}
