/**
 * The empirical distribution of values (Optuna's EDF plot): for each value
 * on the x axis, the fraction of complete trials whose value is at most it.
 * A study whose curve rises late (maximized) or early (minimized) finds good
 * values often; a long flat tail says the good ones are rare.
 */
import { num } from '../format.js';
import { valueAxis } from '../scales.js';
import type { StudyModel } from '../study-model.js';
import { AXIS_NAME, chart, grid } from './echarts.js';

/**
 * The most steps the curve is drawn through: past them, the steps at evenly
 * spaced fractions, the first and the last (the chart is a few hundred
 * pixels wide; 80,000 steps took a fifth of a second to draw).
 */
const MAX_STEPS = 2000;

/** Points of the step curve: each distinct value with the fraction of values at most it. */
export function empiricalDistribution(values: readonly number[] | Float64Array): [number, number][] {
  // A typed array sorts numerically, and fast.
  const sorted = Float64Array.from(values).sort();
  const out: [number, number][] = [];
  sorted.forEach((v, i) => {
    // Equal values make one step, at the last of them.
    if (i + 1 < sorted.length && sorted[i + 1] === v) return;
    out.push([v, (i + 1) / sorted.length]);
  });
  return out;
}

/** At most `max` of the curve's points, evenly spaced along it, always with its first and last. */
export function thinned(points: [number, number][], max = MAX_STEPS): [number, number][] {
  if (points.length <= max) return points;
  return Array.from({ length: max }, (_, i) => points[Math.round((i * (points.length - 1)) / (max - 1))]);
}

/** Draws the chart; returns a line saying what it shows. */
export function drawDistribution(box: HTMLElement, m: StudyModel): string {
  const values: number[] = [];
  for (const t of m.trials) if (t && t.state === 'complete' && t.value !== null) values.push(t.value);
  const all = empiricalDistribution(values);
  const points = thinned(all);
  const lo = points.length > 0 ? points[0][0] : 0;
  const hi = points.length > 0 ? points[points.length - 1][0] : 1;
  chart('distribution', box).draw({
    grid: grid({ top: 20 }),
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => num(v) },
    xAxis: { type: 'value', name: m.summary.metric, ...AXIS_NAME, ...valueAxis(lo, hi) },
    yAxis: { type: 'value', name: 'fraction of trials ≤ value', ...AXIS_NAME, nameGap: 44, min: 0, max: 1, interval: 0.25, axisLabel: { formatter: (v: number) => num(v, 2) } },
    series: [{ type: 'line', name: 'complete trials', step: 'end', data: [[lo, 0], ...points], showSymbol: false, lineStyle: { width: 2, color: '#2f6fde' }, itemStyle: { color: '#2f6fde' } }],
  });
  return points.length === all.length
    ? `${values.length} complete trials.`
    : `${values.length} complete trials; the curve is drawn through ${points.length} of its ${all.length} steps, evenly spaced.`;
}
