/**
 * Slice plots: for each parameter, every complete trial's value against that
 * parameter, on the parameter's own scale (log, 1 - beta labelled in beta,
 * categories).
 */
import { el } from '../dom.js';
import { num, param } from '../format.js';
import { axisOption, paramAxis, valueAxis } from '../scales.js';
import { paramNames, type StudyModel } from '../study-model.js';
import { chart, disposeChartsWith, grid, PointSet, tip, type OpenTrial } from './echarts.js';

export function drawSlices(box: HTMLElement, m: StudyModel, open: OpenTrial): void {
  const names = paramNames(m);
  // One cell per parameter; cells are rebuilt only when the set of parameters changes.
  const wanted = names.join('\u0000');
  if (box.dataset.params !== wanted) {
    disposeChartsWith('slice:');
    box.replaceChildren(...names.map((n) => el('div', { class: 'slice', 'data-param': n })));
    box.dataset.params = wanted;
  }
  const cells = [...box.children] as HTMLElement[];
  names.forEach((name, i) => {
    const axis = paramAxis(name, m.distributions[name]);
    const points = new PointSet();
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of m.trials) {
      if (!t || t.state !== 'complete' || t.value === null) continue;
      const x = axis.toAxis(t.params[name]);
      // A category axis takes the category's index.
      const at = typeof x === 'string' ? axis.categories!.indexOf(x) : x;
      if (at !== null && at >= 0) {
        points.add(at, t.value, t.number);
        [lo, hi] = [Math.min(lo, t.value), Math.max(hi, t.value)];
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
}
