/**
 * Which complete trials a chart draws when it cannot draw them all: the
 * best third of its cap, and the rest of the cap spread evenly over the
 * study (in trial order), so the chart keeps both what matters most (the
 * best region) and the shape of the whole. The charts that sample say so on
 * the page, with a control to raise the cap. And the quantiles the curves
 * chart draws for all trials when it draws the best ones' curves only.
 */
import { compareValues, isRanked } from '../../../tune/rank.js';
import type { Direction, TrialRow } from '../../api-types.js';
import type { StudyModel } from '../study-model.js';

/** The caps of points a person can choose for a scatter chart (history, slices; Infinity: every trial). */
export const POINT_CAPS = [10_000, 30_000, Infinity];

export interface Sample {
  /** The trials drawn: the best first, then the others in trial order. */
  readonly trials: readonly TrialRow[];
  /** Complete trials with a value, of which these are drawn. */
  readonly total: number;
  /** How many of `trials` are the best (0 when every trial is drawn). */
  readonly best: number;
}

/** Complete trials with a value, in trial order, kept while the study does not change (several charts ask). */
const completeOf = new WeakMap<StudyModel, { version: number; complete: TrialRow[] }>();

function completeTrials(m: StudyModel): TrialRow[] {
  const cached = completeOf.get(m);
  if (cached && cached.version === m.version) return cached.complete;
  const complete = m.trials.filter((t) => t && isRanked(t));
  completeOf.set(m, { version: m.version, complete });
  return complete;
}

/**
 * The `k` best of `items` (in trial order) by `score` in `direction`, best
 * first, ties to the lower trial number as `rankTrials` ranks. The scores
 * go through a typed array's numeric sort to find the k-th, and only the k
 * chosen are sorted with a comparator: at 100,000 trials a comparator sort
 * of them all took a few hundred milliseconds on a busy machine.
 *
 * @example topK(trials, 1000, (t) => t.value!, 'maximize') // the 1,000 highest values, highest first
 */
export function topK<T extends { readonly number: number }>(items: readonly T[], k: number, score: (t: T) => number, direction: Direction): T[] {
  if (k <= 0) return [];
  // Smaller is better from here on.
  const sign = direction === 'maximize' ? -1 : 1;
  const scores = Float64Array.from(items, (t) => sign * score(t));
  const chosen: T[] = [];
  if (items.length > k) {
    const cut = scores.slice().sort()[k - 1];
    items.forEach((t, i) => scores[i] < cut && chosen.push(t));
    // Ties at the cut: the earliest trials, as far as room is left.
    for (let i = 0; i < items.length && chosen.length < k; i++) if (scores[i] === cut) chosen.push(items[i]);
  } else chosen.push(...items);
  return chosen.sort((a, b) => compareValues(direction, score(a), score(b)) || a.number - b.number);
}

/**
 * At most `cap` complete trials: all of them in trial order when they fit,
 * else the `cap / 3` best (best first) and an even spread of the others (in
 * trial order).
 *
 * @example sampleTrials(m, 3000) // { trials: [...3000], total: 80000, best: 1000 }
 */
export function sampleTrials(m: StudyModel, cap: number): Sample {
  const all = completeTrials(m);
  if (all.length <= cap) return { trials: all, total: all.length, best: 0 };
  const best = topK(all, Math.floor(cap / 3), (t) => t.value!, m.direction);
  const chosen = new Set(best);
  const rest = all.filter((t) => !chosen.has(t));
  return { trials: [...best, ...evenly(rest, cap - best.length)], total: all.length, best: best.length };
}

/**
 * At most `cap` of `trials`, evenly spread over them in their order (for
 * those without a rank, such as pruned trials).
 *
 * @example evenly(pruned, 2500).length // 2500 when there are more
 */
export function evenly<T>(trials: readonly T[], cap: number): readonly T[] {
  if (trials.length <= cap) return trials;
  const step = trials.length / cap;
  return Array.from({ length: cap }, (_, i) => trials[Math.floor(i * step)]);
}

/** The value below which a fraction `q` of `sorted` lies (linear between neighbours, as numpy's default). */
export function quantile(sorted: Float64Array, q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** What a sample shows, for the note under its chart. */
export function sampleNote(s: Sample): string {
  return s.best === 0
    ? `each of ${s.total} complete trials`
    : `the ${s.best} best of ${s.total} complete trials and ${s.trials.length - s.best} others spread over the study`;
}
