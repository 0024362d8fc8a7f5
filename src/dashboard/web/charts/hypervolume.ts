/**
 * The Pareto front's hypervolume as trials finished (Optuna's hypervolume
 * history): how much of objective space the front covers, from the
 * reference point `caviar show` uses too. A curve that flattens says the
 * search stopped finding better trade-offs.
 */
import type { FrontAnswer } from '../../front-types.js';
import { num } from '../format.js';
import { valueAxis } from '../scales.js';
import { AXIS_NAME, chart, grid } from './echarts.js';

/** Draws the chart; returns a line saying what it shows. */
export function drawHypervolume(box: HTMLElement, a: FrontAnswer): string {
  const data = a.hypervolume.map(([n, hv]) => [n, hv]);
  const last = data.at(-1);
  const values = data.map((d) => d[1]);
  chart('hypervolume', box).draw({
    grid: grid({ top: 20 }),
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => num(v) },
    xAxis: { type: 'value', name: 'feasible complete trials', ...AXIS_NAME, ...valueAxis(0, last?.[0] ?? 1, { integer: true }) },
    yAxis: { type: 'value', name: 'hypervolume', ...AXIS_NAME, nameGap: 52, ...valueAxis(0, Math.max(0, ...values)) },
    series: [{ type: 'line', name: 'hypervolume', step: 'end', data, showSymbol: data.length < 40, lineStyle: { width: 2, color: '#2f6fde' }, itemStyle: { color: '#2f6fde' } }],
  });
  if (!a.reference || !last) return 'No feasible complete trial yet.';
  return `Hypervolume ${num(last[1])} after ${last[0]} feasible trials, from the reference point (${a.reference.map((v) => num(v)).join(', ')}): ` +
    "each objective's worst value, a tenth of its range further out.";
}
