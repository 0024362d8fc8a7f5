/**
 * Trials side by side: the ones picked in the table (their checkboxes) or on
 * a chart (Shift-click), their learning curves overlaid on one chart and
 * their state, value, duration, parameters and test accuracy in one table,
 * a column per trial, rows whose values differ highlighted. The selection is
 * part of the study's address (`#/study/KEY?compare=3,7,12`), so a link or a
 * reload shows the same comparison.
 */
import type { TrialRow } from '../api-types.js';
import { AXIS_NAME, chart, grid } from './charts/echarts.js';
import { badge, el, link, replace } from './dom.js';
import { duration, num, param } from './format.js';
import { valueAxis } from './scales.js';
import { paramNames, type StudyModel } from './study-model.js';

/** Ten colours that stay apart on white: one per trial compared (they repeat past ten). */
const PALETTE = ['#2f6fde', '#d9822b', '#12a150', '#c2255c', '#7048e8', '#0c8599', '#e8590c', '#5c940d', '#862e9c', '#495057'];

/** Trial numbers from an address's `compare=3,7,12` (anything else is ignored). */
export function parseSelection(value: string | null): number[] {
  if (!value) return [];
  return [...new Set(value.split(',').map((s) => Number(s)).filter((n) => Number.isSafeInteger(n) && n >= 0))];
}

interface Row {
  readonly label: string;
  readonly cells: (string | Node)[];
  /** The plain values compared for highlighting. */
  readonly keys: string[];
}

export class ComparePanel {
  readonly element: HTMLElement;
  private readonly chartBox = el('div', { class: 'chart', id: 'chart-compare' });
  private readonly table = el('div', { class: 'scroll' });
  private readonly note = el('p', { class: 'muted small', id: 'compare-note' });

  constructor(
    private readonly model: StudyModel,
    private readonly selection: Set<number>,
    private readonly changed: () => void,
  ) {
    this.element = el('div', { id: 'compare' }, this.note, this.chartBox, this.table);
  }

  /** Redraws for the current selection (hidden by the caller when it is empty). */
  render(): void {
    const m = this.model;
    const trials = [...this.selection].sort((a, b) => a - b).map((n) => m.trials[n]).filter((t): t is TrialRow => !!t);
    const missing = this.selection.size - trials.length;
    replace(this.note,
      `${trials.length} trials compared. Tick trials in the table, or Shift-click them on a chart, to add or remove them; rows that differ are highlighted. `,
      ...(missing > 0 ? [`${missing} selected trial${missing > 1 ? 's are' : ' is'} not in this study. `] : []),
      el('button', { class: 'control', id: 'compare-clear', onclick: () => { this.selection.clear(); this.changed(); } }, 'clear'));
    this.drawCurves(trials);
    this.drawTable(trials);
  }

  private drawCurves(trials: TrialRow[]): void {
    const m = this.model;
    let lo = Infinity;
    let hi = -Infinity;
    let last = 1;
    const series = trials.map((t, i) => {
      const data: [number, number][] = [];
      t.steps.forEach((s, k) => {
        const v = t.values[k];
        if (v === null) return;
        data.push([s, v]);
        [lo, hi, last] = [Math.min(lo, v), Math.max(hi, v), Math.max(last, s)];
      });
      const color = PALETTE[i % PALETTE.length];
      return { type: 'line', name: `trial ${t.number}`, data, showSymbol: data.length < 40, symbolSize: 4, lineStyle: { color, width: 2 }, itemStyle: { color } };
    });
    chart('compare', this.chartBox).draw({
      grid: grid({ top: 44 }),
      legend: { top: 4, type: 'scroll' },
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => num(v) },
      xAxis: { type: 'value', name: 'epoch', ...AXIS_NAME, ...valueAxis(1, last, { integer: true }) },
      yAxis: { type: 'value', name: `${m.summary.metric} per epoch`, ...AXIS_NAME, nameGap: 48, ...valueAxis(lo, hi) },
      series,
    });
  }

  private drawTable(trials: TrialRow[]): void {
    const m = this.model;
    const rows: Row[] = [
      { label: 'state', cells: trials.map((t) => badge(t.state)), keys: trials.map((t) => t.state) },
      { label: m.summary.metric, cells: trials.map((t) => num(t.value)), keys: trials.map((t) => num(t.value)) },
      { label: 'duration', cells: trials.map((t) => (t.startedAt && t.completedAt ? duration(t.completedAt - t.startedAt) : '–')), keys: [] },
      ...paramNames(m).map((n) => ({ label: n, cells: trials.map((t) => param(t.params[n])), keys: trials.map((t) => param(t.params[n])) })),
      { label: 'epochs', cells: trials.map((t) => String(t.steps.length)), keys: trials.map((t) => String(t.steps.length)) },
      { label: 'test accuracy', cells: trials.map((t) => num(t.testAccuracy)), keys: trials.map((t) => num(t.testAccuracy)) },
    ];
    replace(this.table, el('table', { class: 'grid compare-table', id: 'compare-table' },
      el('thead', {}, el('tr', {}, el('th', {}, ''), ...trials.map((t, i) => el('th', { class: 'num', style: `border-bottom: 3px solid ${PALETTE[i % PALETTE.length]}` },
        link(`/trial/${t.key}`, `trial ${t.number}`), ' ',
        el('button', { class: 'remove', title: `remove trial ${t.number}`, 'data-remove': t.number, onclick: () => { this.selection.delete(t.number); this.changed(); } }, '×'))))),
      el('tbody', {}, ...rows.map((r) => el('tr', { class: new Set(r.keys).size > 1 ? 'differs' : '', 'data-row': r.label },
        el('th', {}, r.label), ...r.cells.map((c) => el('td', { class: 'num' }, c)))))));
  }
}
