/**
 * Learning curves: each trial's intermediate values (the dev metric per
 * epoch) as one polyline, coloured by state; a pruned trial is marked with a
 * cross where it stopped. One `lines` series per state in large mode rather
 * than one series per trial: ten thousand series would be slow to build and
 * draw, ten thousand polylines in one series are not.
 *
 * Past a cap (1,000 trials unless the page's control says otherwise) the
 * chart draws the best trials' curves, every running trial's, and for all
 * trials the median and the 25-75% and 10-90% ranges of their values at each
 * epoch: 100,000 overlapping curves are a blur that took 20 s to draw, the
 * best ones and the spread of the rest are what a person reads.
 */
import { num } from '../format.js';
import { curvePoints } from '../columns.js';
import { lastPoint, type StudyModel } from '../study-model.js';
import type { TrialRow } from '../../api-types.js';
import { valueAxis } from '../scales.js';
import { AXIS_NAME, chart, grid, IN_ONE_FRAME, STATE_COLORS, tip, type OpenTrial } from './echarts.js';
import { quantile, topK } from './sample.js';

const CROSS = 'path://M0,0 L10,10 M10,0 L0,10';

/** The caps a person can choose on the page (Infinity: every trial). */
export const CURVE_CAPS = [1000, 10_000, Infinity];

/** The quantiles drawn for all trials past the cap: a band from each pair, and the median. */
const BANDS = [[0.1, 0.9], [0.25, 0.75]] as const;

function coords(t: TrialRow): [number, number][] {
  const { steps, values } = curvePoints(t);
  const out: [number, number][] = [];
  for (let i = 0; i < steps.length; i++) {
    const v = values[i];
    if (v !== null && v === v) out.push([steps[i], v]);
  }
  return out;
}

interface Group {
  /** Polylines in ECharts' flat form: count, x, y, x, y, ..., count, x, y, ... */
  flat: number[];
  /** Trial of each polyline, for tooltips and clicks. */
  trials: TrialRow[];
  points: number;
}

/**
 * The trials whose curves are drawn: all of them up to `cap`, else the `cap`
 * best by value (a pruned or failed trial by its last reported value) and
 * every running one.
 */
function drawnTrials(withCurves: TrialRow[], m: StudyModel, cap: number): TrialRow[] {
  if (withCurves.length <= cap) return withCurves;
  const scored: { number: number; t: TrialRow; score: number }[] = [];
  for (const t of withCurves) {
    if (t.state === 'running') continue;
    const score = t.state === 'complete' && t.value !== null ? t.value : lastPoint(t)?.[1];
    if (score !== undefined) scored.push({ number: t.number, t, score });
  }
  return [...topK(scored, cap, (s) => s.score, m.direction).map((s) => s.t), ...withCurves.filter((t) => t.state === 'running')];
}

/**
 * At each step, the values of every trial that reported one there, sorted:
 * the quantiles of the band come from these.
 */
function valuesByStep(trials: readonly TrialRow[]): [step: number, sorted: Float64Array][] {
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
  const entries = small ? counts.flatMap((n, s) => (n ? [[s, n] as const] : [])) : [...countOf].sort((a, b) => a[0] - b[0]);
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
  return [...byStep].map(([s, { values }]): [number, Float64Array] => [s, values.sort()]);
}

/** Draws the chart with the curves of at most `cap` trials (and the spread of all); returns a line saying what it shows. */
export function drawCurves(box: HTMLElement, m: StudyModel, open: OpenTrial, cap = CURVE_CAPS[0]): string {
  const withCurves = m.trials.filter((t) => t && t.state !== 'waiting' && curvePoints(t).steps.length > 0);
  const drawn = drawnTrials(withCurves, m, cap);
  const capped = drawn.length < withCurves.length;
  const groups: Record<string, Group> = {};
  for (const state of ['complete', 'pruned', 'failed', 'running']) groups[state] = { flat: [], trials: [], points: 0 };
  const stops: [number, number, number][] = [];
  let xMin = Infinity;
  let xMax = 1;
  let yMin = Infinity;
  let yMax = -Infinity;
  // In trial order, so that the drawing order (later on top) does not depend on the cap.
  for (const t of capped ? [...drawn].sort((a, b) => a.number - b.number) : drawn) {
    const g = groups[t.state];
    if (!g) continue;
    const c = coords(t);
    if (c.length === 0) continue;
    // ECharts needs two points to a polyline: a trial with one epoch gets a line of no length.
    if (c.length === 1) c.push(c[0]);
    g.flat.push(c.length);
    for (const [x, y] of c) {
      g.flat.push(x, y);
      if (x > xMax) xMax = x;
      if (x < xMin) xMin = x;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
    }
    g.trials.push(t);
    g.points += c.length;
    const last = lastPoint(t);
    if (t.state === 'pruned' && last) stops.push([last[0], last[1], t.number]);
  }
  // The spread of every trial, when not every curve is drawn: a band per pair of quantiles, and the median.
  const band: { steps: number[]; lines: number[][] } = { steps: [], lines: [] };
  if (capped) {
    const byStep = valuesByStep(withCurves);
    const qs = [...BANDS.flat(), 0.5];
    band.lines = qs.map(() => []);
    for (const [step, sorted] of byStep) {
      band.steps.push(step);
      qs.forEach((q, k) => band.lines[k].push(quantile(sorted, q)));
      xMin = Math.min(xMin, step);
      xMax = Math.max(xMax, step);
      yMin = Math.min(yMin, quantile(sorted, 0.1));
      yMax = Math.max(yMax, quantile(sorted, 0.9));
    }
  }
  if (!Number.isFinite(yMin)) [yMin, yMax] = [0, 1];
  const count = drawn.length;
  const opacity = count > 2000 ? 0.08 : count > 200 ? 0.25 : 0.6;
  const order = ['complete', 'pruned', 'failed', 'running'];
  const lines = (state: string, width: number, alpha: number) => ({
    type: 'lines',
    name: state,
    coordinateSystem: 'cartesian2d',
    polyline: true,
    large: true,
    largeThreshold: 500,
    ...IN_ONE_FRAME,
    // The flat typed form: no object per trial for ECharts to read.
    data: new Float64Array(groups[state].flat),
    lineStyle: { color: STATE_COLORS[state], width, opacity: alpha },
    emphasis: { lineStyle: { width: 3, opacity: 1 } },
  });
  // A band is two stacked series: its lower edge, unfilled, and its height above it, filled.
  const SPREAD = `all ${withCurves.length} trials: median, 25-75%, 10-90%`;
  const bandSeries = BANDS.flatMap(([lo, hi], k) => {
    const lower = band.lines[2 * k];
    const upper = band.lines[2 * k + 1];
    const stack = `band${k}`;
    const common = { type: 'line', name: SPREAD, stack, silent: true, showSymbol: false, z: 1, lineStyle: { opacity: 0 } };
    return [
      { ...common, data: band.steps.map((s, i) => [s, lower[i]]) },
      { ...common, data: band.steps.map((s, i) => [s, upper[i] - lower[i]]), areaStyle: { color: '#5b6b8c', opacity: hi - lo > 0.6 ? 0.12 : 0.2 } },
    ];
  });
  const median = { type: 'line', name: SPREAD, silent: true, showSymbol: false, z: 6, data: band.steps.map((s, i) => [s, band.lines[4][i]]), lineStyle: { color: '#3b4660', width: 2, type: 'dashed' }, itemStyle: { color: '#3b4660' } };
  const trialOf = (seriesIndex: number, dataIndex: number) => groups[order[seriesIndex]]?.trials[dataIndex];
  const c = chart('curves', box);
  c.chart.off('click');
  c.chart.on('click', (p) => {
    const t = p.seriesType === 'lines' ? trialOf(p.seriesIndex ?? -1, p.dataIndex) : p.seriesIndex === 4 ? m.trials[(p.value as number[])[2]] : undefined;
    if (t) open(t.key, p.event?.event as MouseEvent | undefined);
  });
  c.draw({
    grid: grid(),
    legend: { top: 4, data: ['complete', 'pruned', 'running', 'failed', 'pruned here', ...(capped ? [SPREAD] : [])] },
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesType: string; seriesIndex: number; dataIndex: number; value: number[] }) => {
        if (p.seriesType !== 'lines') return tip(`trial ${p.value[2]}`, [['pruned at step', String(p.value[0])], ['value', num(p.value[1])]]);
        const t = trialOf(p.seriesIndex, p.dataIndex);
        const last = t && lastPoint(t);
        return tip(`trial ${t?.number ?? '?'}`, [['state', t?.state ?? ''], ['last', last ? `${num(last[1])} at step ${last[0]}` : '–']]);
      },
    },
    // The lines series gives ECharts no extent: the axes take these ends. Steps are epochs, whole numbers.
    xAxis: { type: 'value', name: 'epoch', ...AXIS_NAME, ...valueAxis(Number.isFinite(xMin) ? Math.min(xMin, 1) : 1, xMax, { integer: true }) },
    yAxis: { type: 'value', name: `${m.summary.metric} per epoch`, ...AXIS_NAME, nameGap: 48, ...valueAxis(yMin, yMax) },
    series: [
      lines('complete', 1, opacity),
      lines('pruned', 1, opacity),
      lines('failed', 1, opacity),
      lines('running', 2, 0.9),
      { type: 'scatter', name: 'pruned here', data: stops, symbol: CROSS, symbolSize: 7, large: stops.length > 2000, ...IN_ONE_FRAME, itemStyle: { color: 'transparent', borderColor: STATE_COLORS.pruned, borderWidth: 1.5 }, z: 4 },
      ...(capped ? [...bandSeries, median] : []),
    ],
  }, [...order.map((s) => groups[s].points), stops.length, ...(capped ? [...bandSeries, median].map((s) => s.data.length) : [])]);
  if (!capped) return `${withCurves.length} trials' curves.`;
  const running = drawn.filter((t) => t.state === 'running').length;
  return `The curves of the ${drawn.length - running} best of ${withCurves.length} trials (a pruned one by its last value)${running ? ` and the ${running} running` : ''}; `
    + `the band is every trial's median, 25-75% and 10-90% at each epoch (raise the cap to draw more curves).`;
}
