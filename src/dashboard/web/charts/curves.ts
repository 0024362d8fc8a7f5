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
 * best ones and the spread of the rest are what a person reads. What is
 * drawn is computed in curve-data.ts, which keeps the finished trials' part
 * while only running trials change.
 */
import { num } from '../format.js';
import { lastPoint, type StudyModel } from '../study-model.js';
import { valueAxis } from '../scales.js';
import { BANDS, curveData, STATES } from './curve-data.js';
import { AXIS_NAME, chart, grid, IN_ONE_FRAME, STATE_COLORS, tip, type OpenTrial } from './echarts.js';

const CROSS = 'path://M0,0 L10,10 M10,0 L0,10';

/** The caps a person can choose on the page (Infinity: every trial). */
export const CURVE_CAPS = [1000, 10_000, Infinity];

/** Draws the chart with the curves of at most `cap` trials (and the spread of all); returns a line saying what it shows. */
export function drawCurves(box: HTMLElement, m: StudyModel, open: OpenTrial, cap = CURVE_CAPS[0]): string {
  const { groups, stops, band, capped, total, drawn, running, x, y } = curveData(m, cap);
  const count = drawn;
  const opacity = count > 2000 ? 0.08 : count > 200 ? 0.25 : 0.6;
  const order = STATES;
  const lines = (state: (typeof STATES)[number], width: number, alpha: number) => ({
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
  const SPREAD = `all ${total} trials: median, 25-75%, 10-90%`;
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
    xAxis: { type: 'value', name: 'epoch', ...AXIS_NAME, ...valueAxis(Number.isFinite(x[0]) ? Math.min(x[0], 1) : 1, x[1], { integer: true }) },
    yAxis: { type: 'value', name: `${m.summary.metric} per epoch`, ...AXIS_NAME, nameGap: 48, ...valueAxis(y[0], y[1]) },
    series: [
      lines('complete', 1, opacity),
      lines('pruned', 1, opacity),
      lines('failed', 1, opacity),
      lines('running', 2, 0.9),
      { type: 'scatter', name: 'pruned here', data: stops, symbol: CROSS, symbolSize: 7, large: stops.length > 2000, ...IN_ONE_FRAME, itemStyle: { color: 'transparent', borderColor: STATE_COLORS.pruned, borderWidth: 1.5 }, z: 4 },
      ...(capped ? [...bandSeries, median] : []),
    ],
  }, [...order.map((s) => groups[s].points), stops.length, ...(capped ? [...bandSeries, median].map((s) => s.data.length) : [])]);
  if (!capped) return `${total} trials' curves.`;
  return `The curves of the ${drawn - running} best of ${total} trials (a pruned one by its last value)${running ? ` and the ${running} running` : ''}; `
    + `the band is every trial's median, 25-75% and 10-90% at each epoch (raise the cap to draw more curves).`;
}
