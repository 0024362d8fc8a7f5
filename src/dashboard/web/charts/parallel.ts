/**
 * Parallel coordinates: one axis per parameter, each on its own scale, and
 * the objective last; one line per complete trial, coloured by its value
 * (darker is better). Brushing an axis (drag along it) filters the lines.
 */
import { num } from '../format.js';
import { axisOption, paramAxis } from '../scales.js';
import { paramNames, type StudyModel } from '../study-model.js';
import { chart } from './echarts.js';

export function drawParallel(box: HTMLElement, m: StudyModel): void {
  const names = paramNames(m);
  const axes = names.map((n) => paramAxis(n, m.distributions[n]));
  const rows: (number | string)[][] = [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of m.trials) {
    if (!t || t.state !== 'complete' || t.value === null) continue;
    const row: (number | string)[] = [];
    let ok = true;
    for (let i = 0; i < names.length && ok; i++) {
      const v = axes[i].toAxis(t.params[names[i]]);
      if (v === null) ok = false;
      else row.push(v);
    }
    if (!ok) continue;
    row.push(t.value, t.number);
    rows.push(row);
    lo = Math.min(lo, t.value);
    hi = Math.max(hi, t.value);
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  const valueDim = names.length;
  const c = chart('parallel', box);
  c.draw({
    parallel: { left: 60, right: 110, top: 50, bottom: 30, parallelAxisDefault: { nameLocation: 'end', nameGap: 14, nameTextStyle: { fontSize: 11 } } },
    parallelAxis: [
      ...axes.map((a, i) => ({ dim: i, ...axisOption(a) })),
      { dim: valueDim, type: 'value', name: 'objective', scale: true, axisLabel: { formatter: (v: number) => num(v) } },
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
        progressive: 2000,
        smooth: false,
      },
    ],
  });
}
