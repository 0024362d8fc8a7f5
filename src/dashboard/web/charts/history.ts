/**
 * Optimization history: every finished trial's value, and the best value so
 * far drawn over them. Past a cap of points (10,000 unless the page's
 * control says otherwise) the dots are a sample, as on the slices (the best
 * third of the cap, the rest spread over the study; pruned trials evenly
 * spread, a quarter of the cap at most), and the page says so; the best-so-far
 * line is always every trial's.
 */
import { num } from '../format.js';
import { isBetter } from '../../../tune/rank.js';
import { lastPoint, type StudyModel } from '../study-model.js';
import type { TrialRow } from '../../api-types.js';
import { valueAxis } from '../scales.js';
import { AXIS_NAME, chart, grid, PointSet, STATE_COLORS, tip, type OpenTrial } from './echarts.js';
import { evenly, POINT_CAPS, sampleNote, sampleTrials } from './sample.js';

/** Draws the chart with at most `cap` dots of complete trials; returns a line saying which trials it shows. */
export function drawHistory(box: HTMLElement, m: StudyModel, open: OpenTrial, cap = POINT_CAPS[0]): string {
  const complete = new PointSet();
  const pruned = new PointSet();
  const best: [number, number][] = [];
  let bestValue: number | undefined;
  let lo = Infinity;
  let hi = -Infinity;
  const prunedTrials: TrialRow[] = [];
  for (const t of m.trials) {
    if (!t) continue;
    if (t.state === 'pruned') prunedTrials.push(t);
    if (t.value === null || t.state !== 'complete') continue;
    [lo, hi] = [Math.min(lo, t.value), Math.max(hi, t.value)];
    // Only where the best changes: a step line needs no more, and 10,000 points would cost a redraw.
    if (bestValue === undefined || isBetter(m.direction, t.value, bestValue)) {
      bestValue = t.value;
      best.push([t.number, bestValue]);
    }
  }
  const sample = sampleTrials(m, cap);
  for (const t of sample.trials) complete.add(t.number, t.value!, t.number);
  const prunedDrawn = evenly(prunedTrials, Math.ceil(cap / 4));
  for (const t of prunedDrawn) {
    const v = t.value ?? lastPoint(t)?.[1];
    if (v === undefined) continue;
    pruned.add(t.number, v, t.number);
    [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  }
  if (bestValue !== undefined) best.push([m.trials.length - 1, bestValue]);
  const sets = [complete, pruned];
  const trialAt = (series: number, index: number) => (series < 2 ? sets[series].trials[index] : best[index]?.[0]);
  const c = chart('history', box);
  c.chart.off('click');
  c.chart.on('click', (p) => {
    const t = m.trials[trialAt(p.seriesIndex ?? -1, p.dataIndex) ?? -1];
    if (t) open(t.key, p.event?.event as MouseEvent | undefined);
  });
  const small = complete.size > 2000 ? 3 : 6;
  c.draw({
    grid: grid(),
    legend: { top: 4, data: ['complete', 'pruned (last value)', 'best so far'] },
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesIndex: number; dataIndex: number; seriesName: string }) => {
        const t = m.trials[trialAt(p.seriesIndex, p.dataIndex) ?? -1];
        return tip(`trial ${t?.number ?? '?'}`, [[p.seriesName, num(p.seriesIndex === 2 ? best[p.dataIndex][1] : t?.value ?? lastPoint(t!)?.[1])]]);
      },
    },
    xAxis: { type: 'value', name: 'trial', ...AXIS_NAME, ...valueAxis(0, Math.max(1, m.trials.length - 1), { integer: true }) },
    yAxis: { type: 'value', name: m.summary.metric, ...AXIS_NAME, nameGap: 48, ...valueAxis(lo, hi) },
    dataZoom: [{ type: 'inside', xAxisIndex: 0 }],
    series: [
      { type: 'scatter', name: 'complete', ...complete.series(), symbolSize: small, itemStyle: { color: STATE_COLORS.complete, opacity: 0.7 } },
      { type: 'scatter', name: 'pruned (last value)', ...pruned.series(), symbolSize: small - 1, itemStyle: { color: STATE_COLORS.pruned, opacity: 0.5 } },
      // Silent: the step line passes through every new best, and would take the hover from the dots under it.
      { type: 'line', name: 'best so far', data: best, step: 'end', showSymbol: false, silent: true, lineStyle: { width: 2, color: '#222' }, itemStyle: { color: '#222' }, z: 5 },
    ],
  }, [complete.size, pruned.size, best.length]);
  const all = sample.best === 0 && prunedDrawn.length === prunedTrials.length;
  return all
    ? `Each of ${sample.total} complete and ${prunedTrials.length} pruned trials.`
    : `Dots: ${sampleNote(sample)}; ${prunedDrawn.length} of ${prunedTrials.length} pruned trials, evenly spread (raise the cap to see more). The best-so-far line is every trial's.`;
}
