/**
 * A multi-objective study's Pareto front for the page (`FrontAnswer`):
 * every complete trial's values, which are on the front (multi/pareto.ts,
 * the rule `study.bestTrials` and `caviar show` follow), and the front's
 * hypervolume after each finished trial, from the default reference point
 * (multi/reference.ts), so the page and `caviar show` report one number.
 */
import { isFeasible } from '../../tune/multi/constraints.js';
import { studyHypervolume } from '../../tune/multi/hypervolume.js';
import { paretoFront } from '../../tune/multi/pareto.js';
import { objectiveNames, summarizeFront } from '../../tune/multi/summary.js';
import type { FrozenTrial } from '../../tune/types.js';
import type { FrontAnswer } from '../front-types.js';
import type { StudyMirror } from './mirror.js';
import type { StoreSet } from './stores.js';

/** The most hypervolume points sent: each costs a front and its volume, and a chart shows no more. */
const HISTORY_POINTS = 200;

const cache = new WeakMap<StudyMirror, { cursor: number; resetAt: number; answer: FrontAnswer }>();

/** @example await frontAnswer(set, '0-1'); // { directions: ['maximize', 'minimize'], points: [...], ... } */
export async function frontAnswer(set: StoreSet, key: string): Promise<FrontAnswer> {
  const m = await set.study(key);
  const cached = cache.get(m);
  if (cached && cached.cursor === m.cursor && cached.resetAt === m.resetAt) return cached.answer;
  const answer = frontOf(m);
  cache.set(m, { cursor: m.cursor, resetAt: m.resetAt, answer });
  return answer;
}

function frontOf(m: StudyMirror): FrontAnswer {
  const { directions, systemAttrs } = m.record;
  const names = objectiveNames(directions, systemAttrs);
  if (directions.length < 2) return { directions, names, points: [], reference: null, hypervolume: [] };
  const complete = m.trials.filter((t): t is FrozenTrial & { values: readonly number[] } =>
    t !== undefined && t.state === 'complete' && Array.isArray(t.values) && t.values.length === directions.length && t.values.every(Number.isFinite));
  // The same front, reference point and hypervolume as caviar show (multi/summary.ts).
  const summary = summarizeFront(complete, directions);
  const front = new Set(summary?.front.map((t) => t.number));
  return {
    directions,
    names,
    points: complete.map((t) => ({ number: t.number, key: m.trialKey(t.id), values: t.values, feasible: isFeasible(t), onFront: front.has(t.number) })),
    reference: summary?.reference ?? null,
    hypervolume: summary ? history(summary.feasible, directions, summary.reference) : [],
  };
}

/** The front's hypervolume after the first n finished trials, for n at up to HISTORY_POINTS evenly spaced counts. */
function history(feasible: (FrozenTrial & { values: readonly number[] })[], directions: FrontAnswer['directions'], reference: number[]): [number, number][] {
  const done = [...feasible].sort((a, b) => (a.completedAt ?? 0) - (b.completedAt ?? 0) || a.number - b.number);
  const counts = new Set<number>();
  for (let i = 1; i <= HISTORY_POINTS; i++) counts.add(Math.max(1, Math.round((i * done.length) / HISTORY_POINTS)));
  const out: [number, number][] = [];
  let front: (FrozenTrial & { values: readonly number[] })[] = [];
  let upTo = 0;
  for (const n of [...counts].sort((a, b) => a - b)) {
    // The front grows one trial at a time: a new trial joins it unless dominated, and drops those it dominates.
    front = paretoFront([...front, ...done.slice(upTo, n)], directions);
    upTo = n;
    out.push([n, studyHypervolume(front.map((t) => t.values), directions, reference)]);
  }
  return out;
}
