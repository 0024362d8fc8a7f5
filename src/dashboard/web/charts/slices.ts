/**
 * Slice plots: for each parameter, every complete trial's value against that
 * parameter, on the parameter's own scale (log, 1 - beta labelled in beta,
 * categories). Past a cap of points per slice (10,000 unless the page's
 * control says otherwise) each slice draws the best third of the cap and an
 * even spread of the rest (`sampleTrials`), and the page says so: five
 * slices of 80,000 points took over a second to draw and show no more than
 * 10,000 do on a chart 300 pixels wide.
 */
import type { ParamValue } from '../../api-types.js';
import { el } from '../dom.js';
import { num, param } from '../format.js';
import { axisOption, paramAxis, valueAxis } from '../scales.js';
import { paramNames, type StudyModel } from '../study-model.js';
import { chart, disposeChartsWith, grid, PointSet, tip, type OpenTrial } from './echarts.js';
import { POINT_CAPS, sampleNote, sampleTrials } from './sample.js';

/**
 * One cell per parameter, rebuilt only when the set of parameters changes.
 * The page places them before the slices are drawn, so the card has its
 * height and the page below it does not move when they are (lazy.ts).
 */
export function placeSlices(box: HTMLElement, names: readonly string[]): void {
  const wanted = names.join('\u0000');
  if (box.dataset.params === wanted) return;
  disposeChartsWith('slice:');
  box.replaceChildren(...names.map((n) => el('div', { class: 'slice', 'data-param': n })));
  box.dataset.params = wanted;
}

/** Draws a slice per parameter with at most `cap` points each; returns a line saying which trials they show. */
export function drawSlices(box: HTMLElement, m: StudyModel, open: OpenTrial, cap = POINT_CAPS[0]): string {
  const names = paramNames(m);
  const sample = sampleTrials(m, cap);
  // The best last, so that they are drawn on top of the others.
  const drawn = [...sample.trials.slice(sample.best), ...sample.trials.slice(0, sample.best)];
  placeSlices(box, names);
  const cells = [...box.children] as HTMLElement[];
  names.forEach((name, i) => {
    const axis = paramAxis(name, m.distributions[name]);
    const points = new PointSet();
    let lo = Infinity;
    let hi = -Infinity;
    // A category axis takes the category's index, found once per choice (not formatted again for each trial).
    const categoryIndex = new Map<unknown, number | null>();
    const position = (raw: ParamValue | undefined): number | null => {
      if (!axis.categories) return axis.toAxis(raw) as number | null;
      let at = categoryIndex.get(raw);
      if (at === undefined) {
        const x = axis.toAxis(raw);
        categoryIndex.set(raw, (at = typeof x === 'string' && axis.categories.includes(x) ? axis.categories.indexOf(x) : null));
      }
      return at;
    };
    for (const t of drawn) {
      if (t.value === null) continue;
      const at = position(t.params[name]);
      if (at !== null) {
        points.add(at, t.value, t.number);
        if (t.value < lo) lo = t.value;
        if (t.value > hi) hi = t.value;
      }
    }
    const c = chart(`slice:${name}`, cells[i]);
    c.chart.off('click');
    c.chart.on('click', (p) => {
      const t = m.trials[points.trials[p.dataIndex]];
      if (t) open(t.key, p.event?.event as MouseEvent | undefined);
    });
    c.draw({
      grid: grid({ top: 30, bottom: 46, left: 64, right: 12 }),
      tooltip: {
        trigger: 'item',
        formatter: (p: { dataIndex: number }) => {
          const t = m.trials[points.trials[p.dataIndex]];
          return tip(`trial ${t?.number}`, [[name, param(t?.params[name])], [m.summary.metric, num(t?.value)]]);
        },
      },
      xAxis: { ...axisOption(axis), nameLocation: 'middle', nameGap: 28 },
      yAxis: { type: 'value', name: m.summary.metric, nameLocation: 'middle', nameGap: 44, ...valueAxis(lo, hi) },
      series: [{ type: 'scatter', name, ...points.series(), symbolSize: points.size > 2000 ? 3 : 6, itemStyle: { opacity: 0.75, color: '#2f6fde' } }],
    }, [points.size]);
  });
  const note = sampleNote(sample);
  return `${note[0].toUpperCase()}${note.slice(1)}${sample.best ? ' (raise the cap to see more)' : ''}.`;
}
