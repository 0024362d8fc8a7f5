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
import { valueAxis } from '../scales.js';
import { AXIS_NAME, chart, grid, STATE_COLORS, tip, type OpenTrial } from './echarts.js';

const CROSS = 'path://M0,0 L10,10 M10,0 L0,10';

function coords(t: TrialRow): [number, number][] {
  const out: [number, number][] = [];
  t.steps.forEach((s, i) => {
    const v = t.values[i];
    if (v !== null) out.push([s, v]);
  });
  return out;
}

interface Group {
  /** Polylines in ECharts' flat form: count, x, y, x, y, ..., count, x, y, ... */
  flat: number[];
  /** Trial of each polyline, for tooltips and clicks. */
  trials: TrialRow[];
  points: number;
}

export function drawCurves(box: HTMLElement, m: StudyModel, open: OpenTrial): void {
  const groups: Record<string, Group> = {};
  for (const state of ['complete', 'pruned', 'failed', 'running']) groups[state] = { flat: [], trials: [], points: 0 };
  const stops: [number, number, number][] = [];
  let xMin = Infinity;
  let xMax = 1;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const t of m.trials) {
    const g = t && groups[t.state];
    if (!g || t.steps.length === 0) continue;
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
  if (!Number.isFinite(yMin)) [yMin, yMax] = [0, 1];
  const count = m.trials.length;
  const opacity = count > 2000 ? 0.08 : count > 200 ? 0.25 : 0.6;
  const order = ['complete', 'pruned', 'failed', 'running'];
  const lines = (state: string, width: number, alpha: number) => ({
    type: 'lines',
    name: state,
    coordinateSystem: 'cartesian2d',
    polyline: true,
    large: true,
    largeThreshold: 500,
    // The flat typed form: no object per trial for ECharts to read.
    data: new Float64Array(groups[state].flat),
    lineStyle: { color: STATE_COLORS[state], width, opacity: alpha },
    emphasis: { lineStyle: { width: 3, opacity: 1 } },
  });
  const trialOf = (seriesIndex: number, dataIndex: number) => groups[order[seriesIndex]]?.trials[dataIndex];
  const c = chart('curves', box);
  c.chart.off('click');
  c.chart.on('click', (p) => {
    const t = p.seriesType === 'lines' ? trialOf(p.seriesIndex ?? -1, p.dataIndex) : m.trials[(p.value as number[])[2]];
    if (t) open(t.key, p.event?.event as MouseEvent | undefined);
  });
  c.draw({
    grid: grid(),
    legend: { top: 4, data: ['complete', 'pruned', 'running', 'failed', 'pruned here'] },
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
      { type: 'scatter', name: 'pruned here', data: stops, symbol: CROSS, symbolSize: 7, large: stops.length > 2000, itemStyle: { color: 'transparent', borderColor: STATE_COLORS.pruned, borderWidth: 1.5 }, z: 4 },
    ],
  }, [...order.map((s) => groups[s].points), stops.length]);
}
