/**
 * What the learning-curves chart draws (charts/curves.ts), apart from
 * ECharts: the polylines of the trials drawn, by state, where pruned trials
 * stopped, and past the cap every trial's median and 25-75% and 10-90%
 * ranges at each epoch.
 *
 * A live study changes mostly by a running trial reporting an epoch. What
 * comes from finished trials (at 100,000 trials: 1.2 million values sorted
 * by epoch, the best 1,000 chosen) is kept per study model and cap; each
 * draw adds the running trials to it, merging their values into the sorted
 * ones. When trials finish (`StudyModel.finishedLog`), their values are
 * merged into the kept ones in the same way, and only the best are chosen
 * again.
 * `curveDataFromScratch` computes everything afresh: the reference the kept
 * one is tested against (curve-data.test.ts).
 *
 * @example const d = curveData(m, 1000); // d.groups.running.flat: count, x, y, x, y, ... per running trial
 */
import { curvePoints } from '../columns.js';
import { lastPoint, type StudyModel } from '../study-model.js';
import type { TrialRow } from '../../api-types.js';
import { quantile, topK } from './sample.js';

/** The quantiles drawn for all trials past the cap: a band from each pair, and the median. */
export const BANDS = [[0.1, 0.9], [0.25, 0.75]] as const;
const QUANTILES = [...BANDS.flat(), 0.5];

export const STATES = ['complete', 'pruned', 'failed', 'running'] as const;
type State = (typeof STATES)[number];

export interface Group {
  /** Polylines in ECharts' flat form: count, x, y, x, y, ..., count, x, y, ... */
  flat: number[];
  /** Trial of each polyline, for tooltips and clicks. */
  trials: TrialRow[];
  points: number;
}

export interface CurveData {
  readonly groups: Record<State, Group>;
  /** Where each pruned trial drawn stopped: step, value, trial number. */
  readonly stops: [number, number, number][];
  /** Past the cap: the steps, and at each the quantiles of every trial's values (10%, 90%, 25%, 75%, median). */
  readonly band: { steps: number[]; lines: number[][] };
  /** Whether only some curves are drawn (then the band is). */
  readonly capped: boolean;
  /** Trials with a curve (not waiting). */
  readonly total: number;
  /** Trials whose curves are drawn, and how many of those run. */
  readonly drawn: number;
  readonly running: number;
  readonly x: [min: number, max: number];
  readonly y: [min: number, max: number];
}

/** A trial's curve as points, without the missing and NaN values. */
function coords(t: TrialRow): [number, number][] {
  const { steps, values } = curvePoints(t);
  const out: [number, number][] = [];
  for (let i = 0; i < steps.length; i++) {
    const v = values[i];
    if (v !== null && v === v) out.push([steps[i], v]);
  }
  return out;
}

/** Extents as they grow: x from at most 1 (epochs start there), y from nothing. */
class Extent {
  xMin = Infinity;
  xMax = 1;
  yMin = Infinity;
  yMax = -Infinity;

  add(x: number, y: number): void {
    if (x > this.xMax) this.xMax = x;
    if (x < this.xMin) this.xMin = x;
    if (y < this.yMin) this.yMin = y;
    if (y > this.yMax) this.yMax = y;
  }

  join(o: Extent): void {
    this.xMin = Math.min(this.xMin, o.xMin);
    this.xMax = Math.max(this.xMax, o.xMax);
    this.yMin = Math.min(this.yMin, o.yMin);
    this.yMax = Math.max(this.yMax, o.yMax);
  }
}

/** The polylines of `trials` (in trial order), by state, with the pruned trials' stops and the extent. */
function build(trials: readonly TrialRow[]): { count: number; groups: Partial<Record<State, Group>>; stops: [number, number, number][]; extent: Extent } {
  const groups: Partial<Record<State, Group>> = {};
  const stops: [number, number, number][] = [];
  const extent = new Extent();
  for (const t of trials) {
    if (!(STATES as readonly string[]).includes(t.state)) continue;
    const c = coords(t);
    if (c.length === 0) continue;
    // ECharts needs two points to a polyline: a trial with one epoch gets a line of no length.
    if (c.length === 1) c.push(c[0]);
    const g = (groups[t.state as State] ??= { flat: [], trials: [], points: 0 });
    g.flat.push(c.length);
    for (const [x, y] of c) {
      g.flat.push(x, y);
      extent.add(x, y);
    }
    g.trials.push(t);
    g.points += c.length;
    const last = lastPoint(t);
    if (t.state === 'pruned' && last) stops.push([last[0], last[1], t.number]);
  }
  return { count: trials.length, groups, stops, extent };
}

/** The `cap` best trials by value (a pruned or failed one by its last reported value), in trial order. */
function best(trials: readonly TrialRow[], m: StudyModel, cap: number): TrialRow[] {
  const scored: { number: number; t: TrialRow; score: number }[] = [];
  for (const t of trials) {
    const score = t.state === 'complete' && t.value !== null ? t.value : lastPoint(t)?.[1];
    if (score !== undefined) scored.push({ number: t.number, t, score });
  }
  return topK(scored, cap, (s) => s.score, m.direction).map((s) => s.t).sort((a, b) => a.number - b.number);
}

/**
 * At each step, the values of every trial that reported one there, sorted:
 * the quantiles of the band come from these.
 */
function valuesByStep(trials: readonly TrialRow[]): Map<number, Float64Array> {
  // Two passes, counting then filling, into one typed array per step: no list grows point by point (1.2 million at
  // 100,000 trials). Steps are epochs, small whole numbers: an array indexes them, a Map takes any other.
  const curves = trials.map(curvePoints);
  const small = curves.every(({ steps }) => Array.prototype.every.call(steps, (s: number) => Number.isInteger(s) && s >= 0 && s < 100_000));
  const counts: number[] = [];
  const countOf = new Map<number, number>();
  for (const { steps, values } of curves) {
    for (let i = 0; i < steps.length; i++) {
      const v = values[i];
      if (v === null || v !== v) continue;
      const s = steps[i];
      if (small) counts[s] = (counts[s] ?? 0) + 1;
      else countOf.set(s, (countOf.get(s) ?? 0) + 1);
    }
  }
  const byStep = new Map<number, { values: Float64Array; filled: number }>();
  const entries = small ? counts.flatMap((n, s) => (n ? [[s, n] as const] : [])) : [...countOf];
  for (const [s, n] of entries) byStep.set(s, { values: new Float64Array(n), filled: 0 });
  const slots = small ? Array.from({ length: counts.length }, (_, s) => byStep.get(s)) : undefined;
  for (const { steps, values } of curves) {
    for (let i = 0; i < steps.length; i++) {
      const v = values[i];
      if (v === null || v !== v) continue;
      const slot = slots ? slots[steps[i]]! : byStep.get(steps[i])!;
      slot.values[slot.filled++] = v;
    }
  }
  // A typed array sorts numerically, and fast: 100,000 values in a few milliseconds.
  return new Map([...byStep].map(([s, { values }]) => [s, values.sort()]));
}

/** `sorted` with `more` (sorted) merged in, as a new sorted array: linear, where sorting again would not be. */
function merged(sorted: Float64Array, more: Float64Array): Float64Array {
  const out = new Float64Array(sorted.length + more.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < sorted.length && j < more.length) out[k++] = sorted[i] <= more[j] ? sorted[i++] : more[j++];
  while (i < sorted.length) out[k++] = sorted[i++];
  while (j < more.length) out[k++] = more[j++];
  return out;
}

/** The band from values sorted by step: the steps in order, the quantiles at each, and their extent. */
function bandOf(byStep: Map<number, Float64Array>, extent: Extent): CurveData['band'] {
  const band = { steps: [] as number[], lines: QUANTILES.map(() => [] as number[]) };
  for (const [step, sorted] of [...byStep].sort((a, b) => a[0] - b[0])) {
    band.steps.push(step);
    QUANTILES.forEach((q, k) => band.lines[k].push(quantile(sorted, q)));
    extent.add(step, quantile(sorted, 0.1));
    extent.add(step, quantile(sorted, 0.9));
  }
  return band;
}

/** What finished trials contribute, for one model, cap and `finishedLog` (the list, and how much of it is held). */
interface Finished {
  readonly cap: number;
  /** The model's `finishedLog` and how much of it this holds. */
  readonly log: readonly number[];
  seen: number;
  /** Finished trials with a curve, by number. */
  readonly trials: TrialRow[];
  /** The polylines of every finished trial, or of the `cap` best: built when first needed. */
  all?: ReturnType<typeof build>;
  top?: ReturnType<typeof build>;
  byStep?: Map<number, Float64Array>;
}

const kept = new WeakMap<StudyModel, Finished>();

function finishedOf(m: StudyModel, cap: number): Finished {
  const k = kept.get(m);
  if (k && k.cap === cap && k.log === m.finishedLog && (k.seen === m.finishedLog.length || catchUp(k, m))) return k;
  const trials = m.trials.filter((t) => t && isFinishedWithCurve(t));
  const fresh: Finished = { cap, log: m.finishedLog, seen: m.finishedLog.length, trials };
  kept.set(m, fresh);
  return fresh;
}

function isFinishedWithCurve(t: TrialRow): boolean {
  return t.state !== 'waiting' && t.state !== 'running' && curvePoints(t).steps.length > 0;
}

/**
 * Brings `k` up to date with the trials that finished since (the model's log past `k.seen`): each put in its place
 * by number, its values merged into the sorted ones; the polylines are made again when next drawn. False when one
 * of them was already held (a finished trial changed, or is no longer finished), which needs everything made afresh.
 */
function catchUp(k: Finished, m: StudyModel): boolean {
  const added: TrialRow[] = [];
  for (const n of m.finishedLog.slice(k.seen)) {
    const t = m.trials[n];
    let lo = 0;
    let hi = k.trials.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (k.trials[mid].number < n) lo = mid + 1;
      else hi = mid;
    }
    if (k.trials[lo]?.number === n) return false;
    if (!t || !isFinishedWithCurve(t)) continue;
    k.trials.splice(lo, 0, t);
    added.push(t);
  }
  if (k.byStep) {
    const byStep = new Map(k.byStep);
    for (const [step, values] of valuesByStep(added)) {
      const there = byStep.get(step);
      byStep.set(step, there ? merged(there, values) : values);
    }
    k.byStep = byStep;
  }
  k.all = undefined;
  k.top = undefined;
  k.seen = m.finishedLog.length;
  return true;
}

/** What the chart draws with at most `cap` curves; the finished trials' part kept until a trial finishes. */
export function curveData(m: StudyModel, cap: number): CurveData {
  return compute(m, cap, finishedOf(m, cap));
}

/** The same, all computed afresh (the reference for `curveData`). */
export function curveDataFromScratch(m: StudyModel, cap: number): CurveData {
  const trials = m.trials.filter((t) => t && isFinishedWithCurve(t));
  return compute(m, cap, { cap, log: [], seen: 0, trials });
}

function compute(m: StudyModel, cap: number, finished: Finished): CurveData {
  const running = m.trials.filter((t) => t?.state === 'running' && curvePoints(t).steps.length > 0);
  const total = finished.trials.length + running.length;
  // Every curve up to the cap; past it the `cap` best finished ones and every running one.
  const capped = total > cap;
  const part = capped ? (finished.top ??= build(best(finished.trials, m, cap))) : (finished.all ??= build(finished.trials));
  const mine = build(running);
  const extent = new Extent();
  extent.join(part.extent);
  extent.join(mine.extent);
  const groups = {} as Record<State, Group>;
  for (const s of STATES) groups[s] = (s === 'running' ? mine : part).groups[s] ?? { flat: [], trials: [], points: 0 };
  let band: CurveData['band'] = { steps: [], lines: [] };
  if (capped) {
    const byStep = new Map(finished.byStep ??= valuesByStep(finished.trials));
    // The running trials' values merged into the finished ones' at their steps.
    for (const [step, values] of valuesByStep(running)) {
      const there = byStep.get(step);
      byStep.set(step, there ? merged(there, values) : values);
    }
    band = bandOf(byStep, extent);
  }
  return {
    groups,
    stops: part.stops,
    band,
    capped,
    total,
    drawn: part.count + running.length,
    running: running.length,
    x: [extent.xMin, extent.xMax],
    y: Number.isFinite(extent.yMin) ? [extent.yMin, extent.yMax] : [0, 1],
  };
}
