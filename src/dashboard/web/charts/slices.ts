/**
 * Slice plots: for each parameter, every complete trial's value against that
 * parameter, on the parameter's own scale (log, 1 - beta labelled in beta,
 * categories). Colour shows the trial's number, so a search that narrows
 * (coarse to fine, TPE) shows late trials gathering.
 */
import { el } from '../dom.js';
import { num } from '../format.js';
import { axisOption, paramAxis } from '../scales.js';
import { paramNames, type StudyModel } from '../study-model.js';
import { chart, disposeChartsWith, grid, tip } from './echarts.js';

export function drawSlices(box: HTMLElement, m: StudyModel, open: (trialKey: string) => void): void {
  const names = paramNames(m);
  // One cell per parameter; cells are rebuilt only when the set of parameters changes.
  const wanted = names.join('\u0000');
  if (box.dataset.params !== wanted) {
    disposeChartsWith('slice:');
    box.replaceChildren(...names.map((n) => el('div', { class: 'slice', 'data-param': n })));
    box.dataset.params = wanted;
  }
  const cells = [...box.children] as HTMLElement[];
  const last = Math.max(1, m.trials.length - 1);
  names.forEach((name, i) => {
    const axis = paramAxis(name, m.distributions[name]);
    const data: (number | string)[][] = [];
    for (const t of m.trials) {
      if (!t || t.state !== 'complete' || t.value === null) continue;
      const x = axis.toAxis(t.params[name]);
      if (x !== null) data.push([x, t.value, t.number]);
    }
    const c = chart(`slice:${name}`, cells[i]);
    c.chart.off('click');
    c.chart.on('click', (p) => {
      const t = m.trials[Number((p.value as number[])[2])];
      if (t) open(t.key);
    });
    c.draw({
      grid: grid({ top: 30, bottom: 46, left: 56, right: 12 }),
      tooltip: {
        trigger: 'item',
        formatter: (p: { value: [number | string, number, number] }) =>
          tip(`trial ${p.value[2]}`, [[name, axis.label(p.value[0])], ['value', num(p.value[1])]]),
      },
      xAxis: { ...axisOption(axis), nameLocation: 'middle', nameGap: 28 },
      yAxis: { type: 'value', scale: true, axisLabel: { formatter: (v: number) => num(v, 3) } },
      visualMap: { show: false, type: 'continuous', dimension: 2, min: 0, max: last, inRange: { color: ['#b8c7e6', '#0b2a6b'] } },
      series: [{ type: 'scatter', name, data, symbolSize: data.length > 2000 ? 3 : 6, large: data.length > 2000, itemStyle: { opacity: 0.75 } }],
    });
  });
}
