/**
 * Parallel coordinates: one axis per parameter, each on its own scale, and
 * the objective last; one line per complete trial, coloured by its value
 * (darker is better). Brushing an axis (drag along it) filters the lines.
 *
 * ECharts draws each line of a parallel series as its own shape (there is no
 * large mode for it), about 40 µs a line here: past a cap (3,000 lines unless
 * the page's control says otherwise) the chart shows the best third of the
 * cap and others spread evenly over the study, and says so, rather than
 * making a 10,000-trial page wait a third of a second.
 */
import { num } from '../format.js';
import { axisOption, paramAxis } from '../scales.js';
import { paramNames, type StudyModel } from '../study-model.js';
import { chart } from './echarts.js';
import { sampleTrials } from './sample.js';

/** The caps a person can choose on the page (Infinity: every trial). */
export const LINE_CAPS = [3000, 10_000, 30_000, Infinity];

/** Draws the chart with at most `cap` lines; returns a line saying which trials it shows. */
export function drawParallel(box: HTMLElement, m: StudyModel, cap = LINE_CAPS[0]): string {
  const names = paramNames(m);
  const axes = names.map((n) => paramAxis(n, m.distributions[n]));
  const rows: (number | string)[][] = [];
  let lo = Infinity;
  let hi = -Infinity;
  const { trials, total, best: bestLines } = sampleTrials(m, cap);
  for (const t of trials) {
    const row: (number | string)[] = [];
    let ok = true;
    for (let i = 0; i < names.length && ok; i++) {
      const v = axes[i].toAxis(t.params[names[i]]);
      if (v === null) ok = false;
      else row.push(v);
    }
    if (!ok) continue;
    row.push(t.value!, t.number);
    rows.push(row);
    lo = Math.min(lo, t.value!);
    hi = Math.max(hi, t.value!);
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  const valueDim = names.length;
  const c = chart('parallel', box);
  c.draw({
    parallel: { left: 60, right: 110, top: 50, bottom: 30, parallelAxisDefault: { nameLocation: 'end', nameGap: 14, nameTextStyle: { fontSize: 11 } } },
    parallelAxis: [
      // A reversed axis (1 - beta) has its end at the bottom: its title goes at its start, above the chart like the others.
      ...axes.map((a, i) => ({ dim: i, ...axisOption(a), nameLocation: a.inverse ? 'start' : 'end' })),
      { dim: valueDim, type: 'value', name: m.summary.metric, scale: true, axisLabel: { formatter: (v: number) => num(v) } },
    ],
    visualMap: {
      type: 'continuous',
      dimension: valueDim,
      min: lo,
      max: hi === lo ? lo + 1 : hi,
      // Darker is better, whichever the direction.
      inRange: { color: m.direction === 'maximize' ? ['#d6e4ff', '#2f6fde', '#0b2a6b'] : ['#0b2a6b', '#2f6fde', '#d6e4ff'] },
      right: 8,
      top: 'middle',
      itemHeight: 120,
      text: m.direction === 'maximize' ? ['better', 'worse'] : ['worse', 'better'],
      // The ends' labels in the values' own digits: ECharts rounds them to whole numbers (0.75 .. 0.87 read '1' and '1').
      formatter: (v: number) => num(v),
      calculable: true,
      seriesIndex: 0,
    },
    series: [
      {
        type: 'parallel',
        name: 'trials',
        data: rows,
        lineStyle: { width: 1, opacity: rows.length > 2000 ? 0.15 : rows.length > 200 ? 0.35 : 0.7 },
        inactiveOpacity: 0.02,
        activeOpacity: 1,
        // All in one frame: spread over frames, thousands of lines take longer in all and the chart flickers while it fills.
        progressive: 0,
        smooth: false,
      },
    ],
  });
  return trials.length === total
    ? `${total} complete trials; drag along an axis to filter. Each parameter on its own scale.`
    : `The ${bestLines} best of ${total} complete trials and ${trials.length - bestLines} others spread over the study (raise the cap to see more); drag along an axis to filter. Each parameter on its own scale.`;
}
