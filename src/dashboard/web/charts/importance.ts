/** Parameter importance (fANOVA, computed by the server): one bar per parameter, most important on top. */
import type { ImportanceAnswer } from '../../api-types.js';
import { num } from '../format.js';
import { chart, tip } from './echarts.js';

export function drawImportance(box: HTMLElement, answer: ImportanceAnswer): void {
  const rows = [...answer.importance].reverse();
  const c = chart('importance', box);
  c.draw({
    grid: { left: 110, right: 40, top: 10, bottom: 30 },
    tooltip: { trigger: 'item', formatter: (p: { name: string; value: number }) => tip(p.name, [['importance', num(p.value, 3)]]) },
    xAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => num(v, 2) } },
    yAxis: { type: 'category', data: rows.map((r) => r.name), axisLabel: { width: 100, overflow: 'truncate' } },
    series: [{ type: 'bar', name: 'importance', data: rows.map((r) => r.importance), itemStyle: { color: '#2f6fde' }, label: { show: true, position: 'right', formatter: (p: { value: number }) => num(p.value, 2) } }],
  });
}
