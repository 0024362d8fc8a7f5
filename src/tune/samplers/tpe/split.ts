/**
 * Which finished trials TPE counts as "good" when the plain rule (the best
 * gamma(n) by value, sampler.ts) does not apply:
 *
 * - Constraints (c-TPE's feasible split, as Optuna's `constraints_func`):
 *   feasible trials come first, in their usual order; when there are fewer
 *   feasible trials than good places, the least-violating infeasible ones
 *   fill the rest. Everything else is bad. With no violated constraint this
 *   is the plain rule, so studies without constraints do not change.
 * - Several objectives (MOTPE, as Optuna's `_split_complete_trials_multi_objective`):
 *   the complete feasible trials fill the good places front by front
 *   (non-dominated sorting); the front that does not fit whole gives the
 *   subset with the largest hypervolume (greedy). Short of feasible trials,
 *   infeasible ones follow by violation, then pruned ones.
 *
 * Good trials of a multi-objective study are weighted by their hypervolume
 * contribution among the good feasible ones (Optuna's rule: a trial deep
 * inside the front adds little), normalised to at most 1.
 */
import { greedyHypervolumeSubset, hypervolumeContributions } from '../../multi/hypervolume.js';
import { nonDominatedSort } from '../../multi/sort.js';
import type { Observation } from './history.js';

/** The weight of a good trial that adds no hypervolume (Optuna's EPS). */
const EPS = 1e-12;

/**
 * c-TPE's good trials among `ranked` (usable observations, best first): feasible first.
 *
 * @example
 *   feasibleGood(history.ranked, 10); // up to 10 feasible trials, or all feasible + the least infeasible
 */
export function feasibleGood(ranked: readonly Observation[], nGood: number): Observation[] {
  const feasible = ranked.filter((o) => o.violation === 0);
  if (feasible.length >= nGood) return feasible.slice(0, nGood);
  const infeasible = ranked.filter((o) => o.violation > 0).sort(byViolation);
  return [...feasible, ...infeasible.slice(0, nGood - feasible.length)];
}

/**
 * MOTPE's good trials among `ranked` (usable observations; complete ones carry `losses`).
 *
 * @example
 *   multiObjectiveGood(history.ranked, 10); // the first fronts, the last one cut by hypervolume
 */
export function multiObjectiveGood(ranked: readonly Observation[], nGood: number): Observation[] {
  const feasible = ranked.filter((o) => o.losses !== undefined && o.violation === 0).sort((a, b) => a.number - b.number);
  if (feasible.length <= nGood) {
    const rest = ranked.filter((o) => o.losses === undefined || o.violation > 0);
    // Complete infeasible trials by violation, then pruned ones in their order.
    const infeasible = rest.filter((o) => o.losses !== undefined).sort(byViolation);
    const pruned = rest.filter((o) => o.losses === undefined);
    return [...feasible, ...infeasible, ...pruned].slice(0, nGood);
  }
  const good: Observation[] = [];
  for (const front of nonDominatedSort(feasible.map((o) => o.losses!))) {
    const members = front.map((i) => feasible[i]);
    if (good.length + members.length <= nGood) {
      good.push(...members);
      if (good.length === nGood) break;
      continue;
    }
    const losses = members.map((o) => o.losses!);
    for (const i of greedyHypervolumeSubset(losses, nGood - good.length, referencePoint(losses))) good.push(members[i]);
    break;
  }
  return good;
}

/**
 * The weights of good trials (in the order given): hypervolume contributions
 * among the feasible complete ones, divided by the largest, plus EPS; EPS for
 * the others, unless none is feasible and complete (then all weigh 1, so the
 * least-violating trials still lead the search towards feasibility, where
 * Optuna's weights would leave only the prior).
 *
 * @example
 *   hypervolumeWeights(good); // Float64Array [1, 0.42, 1e-12, ...]
 */
export function hypervolumeWeights(good: readonly Observation[]): Float64Array {
  const weights = new Float64Array(good.length).fill(EPS);
  const scored = good.map((_, i) => i).filter((i) => good[i].losses !== undefined && good[i].violation === 0);
  if (scored.length === 0) return weights.fill(1);
  if (scored.length === 1) {
    weights[scored[0]] = 1;
    return weights;
  }
  const losses = scored.map((i) => good[i].losses!);
  const contributions = hypervolumeContributions(losses, referencePoint(losses));
  let max = 0;
  for (let k = 0; k < contributions.length; k++) max = Math.max(max, contributions[k] + EPS);
  scored.forEach((i, k) => (weights[i] = Math.min(1, (contributions[k] + EPS) / max)));
  return weights;
}

/** Optuna's reference point for a set of losses: 10% beyond the worst in each objective (EPS where that is 0). */
function referencePoint(losses: readonly (readonly number[])[]): number[] {
  return losses[0].map((_, k) => {
    let worst = -Infinity;
    for (const l of losses) worst = Math.max(worst, l[k]);
    const r = Math.max(1.1 * worst, 0.9 * worst);
    return r === 0 ? EPS : r;
  });
}

function byViolation(a: Observation, b: Observation): number {
  return a.violation - b.violation || a.number - b.number;
}
