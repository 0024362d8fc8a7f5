/**
 * Population-based training's lineage: each segment a dot at (generation,
 * member), coloured by its value, with a line from the segment it started
 * from: grey when a member went on from its own checkpoint, red when it
 * copied a better member's weights (exploit) and perturbed its parameters.
 */
import { num, param } from '../format.js';
import type { StudyModel } from '../study-model.js';
import type { TrialRow } from '../../api-types.js';
import { chart, grid, tip, type OpenTrial } from './echarts.js';

const integer = (v: number) => (Number.isInteger(v) ? String(v) : '');

/** Whether the study ran population-based training. */
export function hasPopulation(m: StudyModel): boolean {
  return m.trials.some((t) => t?.pbt);
}

export function drawPopulation(box: HTMLElement, m: StudyModel, open: OpenTrial): void {
  const segments = m.trials.filter((t): t is TrialRow & { pbt: NonNullable<TrialRow['pbt']> } => !!t?.pbt);
  const dots = segments.map((t) => ({ value: [t.pbt.generation, t.pbt.member, t.value ?? NaN], trial: t }));
  const links: { coords: [number, number][]; exploit: boolean }[] = [];
  for (const t of segments) {
    const parent = t.origin ? m.trials[t.origin.trial] : undefined;
    if (parent?.pbt) links.push({ coords: [[parent.pbt.generation, parent.pbt.member], [t.pbt.generation, t.pbt.member]], exploit: t.origin!.reason === 'exploit' });
  }
  const values = segments.map((t) => t.value).filter((v): v is number => v !== null);
  const [lo, hi] = values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
  const members = Math.max(0, ...segments.map((t) => t.pbt.member)) + 1;
  const line = (exploit: boolean) => ({
    type: 'lines', name: exploit ? 'exploit (copied a better member)' : 'continue', coordinateSystem: 'cartesian2d', silent: true,
    data: links.filter((l) => l.exploit === exploit).map((l) => ({ coords: l.coords })),
    lineStyle: exploit ? { color: '#c2255c', width: 1.5, type: 'dashed', curveness: 0.15 } : { color: '#868e96', width: 2 },
  });
  const c = chart('population', box);
  c.chart.off('click');
  c.chart.on('click', (p) => {
    const d = p.data as { trial?: TrialRow } | undefined;
    if (d?.trial) open(d.trial.key, p.event?.event as MouseEvent | undefined);
  });
  c.draw({
    grid: grid({ left: 70 }),
    legend: { top: 4 },
    tooltip: {
      trigger: 'item',
      formatter: (p: { data: { trial: TrialRow } }) => {
        const t = p.data.trial;
        const rows: [string, string][] = [['value', num(t.value)], ['state', t.state]];
        if (t.origin) rows.push([t.origin.reason, `from trial ${t.origin.trial} at step ${num(t.origin.step)}`]);
        for (const [k, v] of Object.entries(t.params)) rows.push([k, param(v)]);
        return tip(`trial ${t.number}: member ${t.pbt!.member}, generation ${t.pbt!.generation}`, rows);
      },
    },
    // Half a step of margin around the dots; only whole generations and members get a label.
    xAxis: { type: 'value', name: 'generation', nameLocation: 'middle', nameGap: 28, minInterval: 1, min: -0.3, max: (v: { max: number }) => v.max + 0.3,
      axisLabel: { formatter: integer }, axisLine: { onZero: false }, splitLine: { show: false } },
    yAxis: { type: 'value', name: 'member', nameLocation: 'middle', nameGap: 40, minInterval: 1, min: -0.5, max: members - 0.5, inverse: true,
      axisLabel: { formatter: integer }, axisLine: { onZero: false }, splitLine: { show: false } },
    visualMap: {
      show: false, type: 'continuous', seriesIndex: 2, dimension: 2, min: lo, max: hi === lo ? lo + 1 : hi,
      inRange: { color: m.direction === 'maximize' ? ['#d6e4ff', '#0b2a6b'] : ['#0b2a6b', '#d6e4ff'] },
    },
    series: [line(false), line(true), { type: 'scatter', name: 'segment', data: dots, symbolSize: 12, z: 5, itemStyle: { borderColor: '#fff', borderWidth: 1 } }],
  }, [links.filter((l) => !l.exploit).length, links.filter((l) => l.exploit).length, dots.length]);
}
