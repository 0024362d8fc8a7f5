/**
 * A multi-objective study's trials in objective space: the Pareto front
 * (blue, joined in order of its first objective when there are two
 * objectives), the other feasible trials (grey) and the infeasible ones (red
 * crosses). With three or more objectives, a matrix of every pair of them,
 * each point in every panel the same trial. A click opens the trial, whose
 * page downloads its model or its ONNX export.
 */
import type { FrontAnswer, FrontPoint } from '../../front-types.js';
import { num } from '../format.js';
import { valueAxis } from '../scales.js';
import { chart, type OpenTrial } from './echarts.js';

const KINDS = [
  { name: 'Pareto front', test: (p: FrontPoint) => p.onFront, color: '#2f6fde', symbol: 'circle', size: 9 },
  { name: 'dominated', test: (p: FrontPoint) => p.feasible && !p.onFront, color: '#9aa3b2', symbol: 'circle', size: 6 },
  { name: 'infeasible', test: (p: FrontPoint) => !p.feasible, color: '#d9534f', symbol: 'path://M0,0 L10,10 M10,0 L0,10', size: 7 },
] as const;

/** The pairs of objectives a panel each: one for two objectives, every pair (i < j) for more. */
export function objectivePairs(objectives: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < objectives; i++) for (let j = i + 1; j < objectives; j++) pairs.push([i, j]);
  return pairs;
}

/** Draws the chart; returns a line saying what it shows. */
export function drawFront(box: HTMLElement, a: FrontAnswer, open: OpenTrial): string {
  const pairs = objectivePairs(a.directions.length);
  const columns = pairs.length === 1 ? 1 : Math.min(3, pairs.length);
  const rows = Math.ceil(pairs.length / columns);
  box.style.height = `${Math.max(320, rows * 280)}px`;
  const label = (i: number) => `${a.names[i]} (${a.directions[i] === 'maximize' ? 'max' : 'min'})`;
  const grids = pairs.map((_, k) => {
    const col = k % columns;
    const row = Math.floor(k / columns);
    return { left: `${(col * 100) / columns + 7}%`, width: `${100 / columns - 10}%`, top: `${(row * 100) / rows + 4}%`, height: `${100 / rows - 14}%` };
  });
  const extent = (i: number) => {
    const vs = a.points.map((p) => p.values[i]);
    return valueAxis(Math.min(...vs), Math.max(...vs));
  };
  const series = pairs.flatMap(([i, j], k) => [
    ...KINDS.map((kind) => {
      const points = a.points.filter(kind.test);
      return {
        type: 'scatter', name: kind.name, xAxisIndex: k, yAxisIndex: k, symbol: kind.symbol, symbolSize: kind.size,
        itemStyle: { color: kind.color, ...(kind.name === 'infeasible' ? { borderColor: kind.color, borderWidth: 1.5 } : {}) },
        // [x, y, trial number]: the number finds the trial on click and in the tooltip.
        data: points.map((p) => [p.values[i], p.values[j], p.number]),
      };
    }),
    // Two objectives: the front as a staircase, the trade-off read left to right.
    ...(pairs.length === 1
      ? [{
          type: 'line', name: 'front line', xAxisIndex: k, yAxisIndex: k, step: 'end', showSymbol: false, silent: true,
          lineStyle: { color: '#2f6fde', width: 1, opacity: 0.6 },
          data: a.points.filter((p) => p.onFront).map((p) => [p.values[i], p.values[j]]).sort((x, y) => x[0] - y[0]),
        }]
      : []),
  ]);
  const byNumber = new Map(a.points.map((p) => [p.number, p]));
  const c = chart('front', box);
  c.chart.off('click');
  c.chart.on('click', (p) => {
    const number = Array.isArray(p.data) ? (p.data as number[])[2] : undefined;
    const point = number === undefined ? undefined : byNumber.get(number);
    if (point) open(point.key, p.event?.event as MouseEvent | undefined);
  });
  c.draw({
    legend: { top: 0, data: KINDS.map((k) => k.name) },
    grid: grids,
    tooltip: {
      trigger: 'item',
      formatter: (p: { data: number[] }) => {
        const point = byNumber.get(p.data?.[2]);
        if (!point) return '';
        return `trial ${point.number}${point.onFront ? ' (on the front)' : point.feasible ? '' : ' (infeasible)'}<br>` +
          point.values.map((v, i) => `${a.names[i]}: ${num(v)}`).join('<br>');
      },
    },
    xAxis: pairs.map(([i], k) => ({ type: 'value', gridIndex: k, name: label(i), nameLocation: 'middle', nameGap: 26, ...extent(i) })),
    yAxis: pairs.map(([, j], k) => ({ type: 'value', gridIndex: k, name: label(j), nameLocation: 'middle', nameGap: 48, ...extent(j) })),
    series,
  }, a.points.map((p) => p.number));
  const front = a.points.filter((p) => p.onFront).length;
  const infeasible = a.points.filter((p) => !p.feasible).length;
  return `${a.points.length} complete trials, ${front} on the Pareto front${infeasible ? `, ${infeasible} infeasible` : ''}` +
    (pairs.length > 1 ? `; one panel per pair of the ${a.directions.length} objectives.` : '.') + ' Click a point for its trial, its model and its ONNX export.';
}
