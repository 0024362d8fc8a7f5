/** Optimization history: every finished trial's value, and the best value so far drawn over them. */
import { num } from '../format.js';
import { better, lastPoint, type StudyModel } from '../study-model.js';
import { AXIS_NAME, chart, grid, STATE_COLORS, tip } from './echarts.js';

export function drawHistory(box: HTMLElement, m: StudyModel, open: (trialKey: string) => void): void {
  const complete: [number, number][] = [];
  const pruned: [number, number][] = [];
  const best: [number, number][] = [];
  const sign = better(m);
  let bestValue: number | undefined;
  for (const t of m.trials) {
    if (!t) continue;
    if (t.state === 'pruned') {
      const v = t.value ?? lastPoint(t)?.[1];
      if (v !== undefined) pruned.push([t.number, v]);
    }
    if (t.value === null) continue;
    if (t.state === 'complete') {
      complete.push([t.number, t.value]);
      if (bestValue === undefined || sign * (t.value - bestValue) > 0) bestValue = t.value;
      best.push([t.number, bestValue]);
    }
  }
  const large = complete.length > 2000;
  const c = chart('history', box);
  c.chart.off('click');
  c.chart.on('click', (p) => {
    const n = Array.isArray(p.value) ? Number(p.value[0]) : NaN;
    const t = m.trials[n];
    if (t) open(t.key);
  });
  c.draw({
    grid: grid(),
    legend: { top: 4, data: ['complete', 'pruned (last value)', 'best so far'] },
    tooltip: {
      trigger: 'item',
      formatter: (p: { value: [number, number]; seriesName: string }) => tip(`trial ${p.value[0]}`, [[p.seriesName, num(p.value[1])]]),
    },
    xAxis: { type: 'value', name: 'trial', ...AXIS_NAME, min: 0, max: Math.max(1, m.trials.length - 1) },
    yAxis: { type: 'value', name: 'objective value', ...AXIS_NAME, nameGap: 48, scale: true },
    dataZoom: [{ type: 'inside', xAxisIndex: 0 }],
    series: [
      { type: 'scatter', name: 'complete', data: complete, symbolSize: large ? 3 : 6, large, itemStyle: { color: STATE_COLORS.complete, opacity: 0.7 } },
      { type: 'scatter', name: 'pruned (last value)', data: pruned, symbolSize: large ? 3 : 5, large: pruned.length > 2000, itemStyle: { color: STATE_COLORS.pruned, opacity: 0.5 } },
      { type: 'line', name: 'best so far', data: best, step: 'end', showSymbol: false, lineStyle: { width: 2, color: '#222' }, itemStyle: { color: '#222' }, z: 5 },
    ],
  });
}
