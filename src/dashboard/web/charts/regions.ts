/**
 * The coarse-to-fine region history: for each numeric parameter, the
 * interval each round sampled from, as a bar from its low to its high end on
 * the parameter's scale, so the narrowing shows round after round; the
 * trials of each round are dots over their round's bar (up to a few thousand trials).
 */
import type { RegionRow } from '../../api-types.js';
import { el } from '../dom.js';
import { num, param } from '../format.js';
import { axisOption, paramAxis } from '../scales.js';
import type { StudyModel } from '../study-model.js';
import { chart, disposeChartsWith, grid, PointSet, tip } from './echarts.js';

const MAX_DOTS = 3000;

interface RectApi {
  value(dim: number): number;
  coord(point: [number, number]): [number, number];
  size(span: [number, number]): [number, number];
}

function roundOf(regions: readonly RegionRow[], trial: number): number {
  let r = 0;
  regions.forEach((region, i) => {
    if (trial >= region.startTrial) r = i;
  });
  return r;
}

export function drawRegions(box: HTMLElement, m: StudyModel): void {
  const regions = m.regions;
  const names = [...new Set(regions.flatMap((r) => Object.entries(r.params).filter(([, b]) => b.type === 'numeric').map(([n]) => n)))];
  const wanted = names.join('\u0000');
  if (box.dataset.params !== wanted) {
    disposeChartsWith('region:');
    box.replaceChildren(...names.map((n) => el('div', { class: 'slice', 'data-param': n })));
    box.dataset.params = wanted;
  }
  const cells = [...box.children] as HTMLElement[];
  const rounds = regions.map((r) => `round ${r.round} (from trial ${r.startTrial})`);
  names.forEach((name, i) => {
    const axis = paramAxis(name, m.distributions[name]);
    const bars: [number, number, number][] = [];
    regions.forEach((r, round) => {
      const b = r.params[name];
      if (b?.type !== 'numeric') return;
      const [lo, hi] = [axis.toAxis(b.low), axis.toAxis(b.high)];
      if (typeof lo === 'number' && typeof hi === 'number') bars.push([round, Math.min(lo, hi), Math.max(lo, hi)]);
    });
    const dots = new PointSet();
    // Past a few thousand trials the dots fill each bar solid: they would cost drawing time and show nothing more.
    if (m.trials.length <= MAX_DOTS) {
      for (const t of m.trials) {
        const x = t && axis.toAxis(t.params[name]);
        if (typeof x === 'number') dots.add(roundOf(regions, t.number), x, t.number);
      }
    }
    const c = chart(`region:${name}`, cells[i]);
    c.draw({
      grid: grid({ top: 30, bottom: 40, left: 64, right: 12 }),
      tooltip: { trigger: 'item', formatter: (p: { seriesName: string; value: number[]; dataIndex: number }) =>
        p.seriesName === 'region'
          ? tip(rounds[p.value[0]], [[name, `${axis.label(p.value[1])} … ${axis.label(p.value[2])}`]])
          : tip(`trial ${dots.trials[p.dataIndex]}`, [[name, param(m.trials[dots.trials[p.dataIndex]]?.params[name])]]) },
      xAxis: { type: 'category', data: rounds.map((_r, k) => `round ${k}`), name: name, nameLocation: 'middle', nameGap: 26 },
      yAxis: { ...axisOption(axis), name: '' },
      series: [
        {
          type: 'custom',
          name: 'region',
          data: bars,
          encode: { x: 0, y: [1, 2] },
          renderItem: (_params: unknown, api: RectApi) => {
            const start = api.coord([api.value(0), api.value(1)]);
            const end = api.coord([api.value(0), api.value(2)]);
            const width = api.size([1, 0])[0] * 0.5;
            return { type: 'rect', shape: { x: start[0] - width / 2, y: Math.min(start[1], end[1]), width, height: Math.abs(end[1] - start[1]) }, style: { fill: 'rgba(47,111,222,0.25)', stroke: '#2f6fde' } };
          },
        },
        { type: 'scatter', name: 'trials', ...dots.series(), symbolSize: 4, itemStyle: { color: '#0b2a6b', opacity: 0.6 } },
      ],
    }, [bars.length, dots.size]);
  });
}

/** The rounds as a table: where each started and how many trials chose it. */
export function regionsTable(regions: readonly RegionRow[]): HTMLTableElement {
  const names = [...new Set(regions.flatMap((r) => Object.keys(r.params)))];
  return el('table', { class: 'grid' },
    el('thead', {}, el('tr', {}, el('th', {}, 'round'), el('th', {}, 'from trial'), el('th', {}, 'top / of'), ...names.map((n) => el('th', {}, n)))),
    el('tbody', {}, ...regions.map((r) => el('tr', {},
      el('td', {}, String(r.round)), el('td', {}, String(r.startTrial)), el('td', {}, `${r.topTrials} / ${r.fromTrials}`),
      ...names.map((n) => {
        const b = r.params[n];
        return el('td', {}, !b ? 'all' : b.type === 'numeric' ? `${num(b.low)} … ${num(b.high)}` : b.choices.map(String).join(', '));
      })))));
}
