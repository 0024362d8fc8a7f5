/**
 * Learning curves of every trial: its intermediate values (the dev metric per
 * epoch) as one polyline each, coloured by state; a pruned trial is marked
 * with a cross where it stopped. One `lines` series per state in large mode
 * rather than one series per trial: ten thousand series would be slow to
 * build and draw, ten thousand polylines in one series are not.
 */
import { num } from '../format.js';
import { lastPoint, type StudyModel } from '../study-model.js';
import type { TrialRow } from '../../api-types.js';
import { AXIS_NAME, chart, grid, STATE_COLORS, tip } from './echarts.js';

const CROSS = 'path://M0,0 L10,10 M10,0 L0,10';

function coords(t: TrialRow): [number, number][] {
  const out: [number, number][] = [];
  t.steps.forEach((s, i) => {
    const v = t.values[i];
    if (v !== null) out.push([s, v]);
  });
  return out;
}

export function drawCurves(box: HTMLElement, m: StudyModel, open: (trialKey: string) => void): void {
  const groups: Record<string, { coords: [number, number][]; key: string; number: number }[]> = { complete: [], pruned: [], failed: [], running: [] };
  const stops: [number, number, number][] = [];
  let xMax = 1;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const t of m.trials) {
    if (!t || t.steps.length === 0 || !(t.state in groups)) continue;
    const c = coords(t);
    if (c.length === 0) continue;
    for (const [x, y] of c) {
      if (x > xMax) xMax = x;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
    }
    groups[t.state].push({ coords: c, key: t.key, number: t.number });
    const last = lastPoint(t);
    if (t.state === 'pruned' && last) stops.push([last[0], last[1], t.number]);
  }
  if (!Number.isFinite(yMin)) [yMin, yMax] = [0, 1];
  // Round the ends outwards to a tick of the range's size: the lines series gives ECharts no extent, so the axis takes these.
  const tick = 10 ** Math.floor(Math.log10(yMax - yMin || 1)) / 2;
  const [yLo, yHi] = [Math.floor(yMin / tick) * tick, Math.ceil(yMax / tick) * tick + (yMax === yMin ? tick : 0)];
  const count = m.trials.length;
  const opacity = count > 2000 ? 0.08 : count > 200 ? 0.25 : 0.6;
  const lines = (state: string, width: number, alpha: number) => ({
    type: 'lines',
    name: state,
    coordinateSystem: 'cartesian2d',
    polyline: true,
    large: groups[state].length > 500,
    largeThreshold: 500,
    data: groups[state],
    lineStyle: { color: STATE_COLORS[state], width, opacity: alpha },
    emphasis: { lineStyle: { width: 3, opacity: 1 } },
  });
  const c = chart('curves', box);
  c.chart.off('click');
  c.chart.on('click', (p) => {
    const d = p.data as { key?: string } | number[] | undefined;
    if (d && !Array.isArray(d) && d.key) open(d.key);
    else if (Array.isArray(d) && m.trials[d[2]]) open(m.trials[d[2]].key);
  });
  c.draw({
    grid: grid(),
    legend: { top: 4, data: ['complete', 'pruned', 'running', 'failed', 'pruned here'] },
    tooltip: {
      trigger: 'item',
      formatter: (p: { data: { number?: number; coords?: [number, number][] } | number[]; seriesName: string }) => {
        if (Array.isArray(p.data)) return tip(`trial ${p.data[2]}`, [['pruned at step', String(p.data[0])], ['value', num(p.data[1])]]);
        const last = p.data.coords?.[p.data.coords.length - 1];
        return tip(`trial ${p.data.number}`, [['state', p.seriesName], ['last', last ? `${num(last[1])} at step ${last[0]}` : '–']]);
      },
    },
    xAxis: { type: 'value', name: 'step (epoch)', ...AXIS_NAME, min: 0, max: xMax, axisLabel: { formatter: (v: number) => num(v, 3) } },
    yAxis: { type: 'value', name: 'intermediate value', ...AXIS_NAME, nameGap: 48, min: yLo, max: yHi, axisLabel: { formatter: (v: number) => num(v, 3) } },
    series: [
      lines('complete', 1, opacity),
      lines('pruned', 1, opacity),
      lines('failed', 1, opacity),
      lines('running', 2, 0.9),
      { type: 'scatter', name: 'pruned here', data: stops, symbol: CROSS, symbolSize: 7, large: stops.length > 2000, itemStyle: { color: 'transparent', borderColor: STATE_COLORS.pruned, borderWidth: 1.5 }, z: 4 },
    ],
  });
}
