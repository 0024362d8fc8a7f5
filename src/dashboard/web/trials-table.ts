/**
 * The trials table: sorts, filters and pages in the page, on the trials it
 * already holds for the charts. With 10,000 trials a sort is a few
 * milliseconds and only one page of rows is in the DOM, so every click
 * answers at once without asking the server (measured in the browser test).
 */
import type { TrialRow } from '../api-types.js';
import { badge, el, replace, saveFile } from './dom.js';
import { trialsCsv, trialsJson } from './export.js';
import { duration, num, param } from './format.js';
import { paramNames, type StudyModel } from './study-model.js';
import { TableIndex, type SortKey } from './table-index.js';

const PAGE_SIZES = [25, 50, 100, 250];
const STATES = ['all', 'complete', 'pruned', 'running', 'waiting', 'failed'];

/** What the table's filter and order are: kept in the study's address, so a link shows the same rows. */
export interface TableSettings {
  state: string;
  text: string;
  sortKey: string;
  descending: boolean;
}

export class TrialsTable {
  private sortKey: SortKey = 'number';
  private descending = false;
  private state = 'all';
  private text = '';
  private page = 0;
  private pageSize = 50;
  private order: TrialRow[] = [];
  private orderVersion = -1;
  private readonly body = el('tbody');
  private readonly head = el('thead');
  private readonly footer = el('div', { class: 'pager' });
  readonly element: HTMLElement;
  private readonly index: TableIndex;
  /** Milliseconds the last sort-and-filter took (shown, and read by the browser test). */
  lastWorkMs = 0;

  /**
   * `selected`: the trials being compared, which the first column's boxes
   * show and change (`onSelect` then tells the page).
   */
  constructor(
    private readonly model: StudyModel,
    private readonly selected: Set<number> = new Set(),
    /** Called when the selection or the filter and order change (the page writes them into its address). */
    private readonly onChange: () => void = () => {},
    initial: Partial<TableSettings> = {},
  ) {
    this.index = new TableIndex(model);
    if (initial.state && STATES.includes(initial.state)) this.state = initial.state;
    if (initial.text) this.text = initial.text.trim().toLowerCase();
    if (initial.sortKey && /^(number|state|value|duration|testAccuracy|param:.+)$/.test(initial.sortKey)) this.sortKey = initial.sortKey as SortKey;
    if (initial.descending) this.descending = true;
    const states = el('select', { 'aria-label': 'state', onchange: (e: Event) => this.set({ state: (e.target as HTMLSelectElement).value }) },
      ...STATES.map((s) => el('option', { value: s, selected: s === this.state }, s)));
    const search = el('input', { type: 'search', placeholder: 'filter: trial number or parameter value', 'aria-label': 'filter', value: this.text,
      oninput: (e: Event) => this.set({ text: (e.target as HTMLInputElement).value.trim().toLowerCase() }) });
    const sizes = el('select', { 'aria-label': 'rows per page', onchange: (e: Event) => this.set({ pageSize: Number((e.target as HTMLSelectElement).value) }) },
      ...PAGE_SIZES.map((n) => el('option', { value: n, selected: n === this.pageSize }, `${n} rows`)));
    this.element = el('div', { class: 'trials-table' },
      el('div', { class: 'table-tools' }, states, search, sizes,
        el('button', { 'data-export': 'csv', title: 'the trials shown (filtered, in this order) as CSV', onclick: () => this.save('csv') }, 'CSV'),
        el('button', { 'data-export': 'json', title: 'the trials shown (filtered, in this order) as JSON', onclick: () => this.save('json') }, 'JSON')),
      el('div', { class: 'scroll' }, el('table', { class: 'grid', id: 'trials' }, this.head, this.body)),
      this.footer);
    this.render();
  }

  private set(change: { state?: string; text?: string; pageSize?: number; sortKey?: SortKey }): void {
    if (change.sortKey !== undefined) {
      this.descending = change.sortKey === this.sortKey ? !this.descending : change.sortKey === 'value' && this.model.direction === 'maximize';
      this.sortKey = change.sortKey;
    }
    if (change.state !== undefined) this.state = change.state;
    if (change.text !== undefined) this.text = change.text;
    if (change.pageSize !== undefined) this.pageSize = change.pageSize;
    this.page = 0;
    this.orderVersion = -1;
    this.render();
    this.onChange();
  }

  /** Prepares the filter's texts while the page is idle (the first filter of 100,000 trials then formats nothing). */
  warm(): void {
    this.index.warm();
  }

  /** The filter and order, for the page's address. */
  settings(): TableSettings {
    return { state: this.state, text: this.text, sortKey: this.sortKey, descending: this.descending };
  }

  /** Saves every trial the table shows, filtered and in its order (not only this page of rows). */
  private save(format: 'csv' | 'json'): void {
    const names = paramNames(this.model);
    const metric = this.model.summary.metric;
    const text = format === 'csv' ? trialsCsv(this.rows(), names, metric) : trialsJson(this.rows(), names, metric);
    const base = this.model.summary.name.replace(/[^\w.-]+/g, '-') || 'study';
    saveFile(`${base}-trials.${format}`, new Blob([text], { type: format === 'csv' ? 'text/csv' : 'application/json' }));
  }

  /** Sorted and filtered trials, recomputed only when the data or the settings changed. */
  private rows(): TrialRow[] {
    if (this.orderVersion === this.model.version) return this.order;
    const t0 = performance.now();
    const names = paramNames(this.model);
    const { text, state } = this;
    const trials = this.model.trials;
    // Trial numbers that pass the filter, in trial order (the model holds trials by number).
    const kept = new Uint32Array(trials.length);
    const matches = text === '' ? () => true : this.index.matcher(text, names);
    let n = 0;
    for (let i = 0; i < trials.length; i++) {
      const t = trials[i];
      if (t && (state === 'all' || t.state === state) && matches(t)) kept[n++] = i;
    }
    // The trials come in trial order: the default order needs no sort.
    const numbers = this.sortKey === 'number' && !this.descending ? kept.subarray(0, n) : this.index.order(kept.subarray(0, n), this.sortKey, this.descending);
    this.order = Array.from(numbers, (i) => trials[i]);
    this.orderVersion = this.model.version;
    this.lastWorkMs = performance.now() - t0;
    return this.order;
  }

  /** Redraws the visible page (after live changes, too). */
  render(): void {
    const rows = this.rows();
    const names = paramNames(this.model);
    const pages = Math.max(1, Math.ceil(rows.length / this.pageSize));
    this.page = Math.min(this.page, pages - 1);
    const header = (label: string, key: SortKey) =>
      el('th', { class: 'sortable', 'data-sort': key, onclick: () => this.set({ sortKey: key }) }, label, this.sortKey === key ? (this.descending ? ' ▼' : ' ▲') : '');
    replace(this.head, el('tr', {},
      el('th', { title: 'compare' }, '⇄'),
      header('trial', 'number'), header('state', 'state'), header(this.model.summary.metric, 'value'), header('duration', 'duration'),
      ...names.map((n) => header(n, `param:${n}`)), header('test acc.', 'testAccuracy'), el('th', {}, 'lineage')));
    const start = this.page * this.pageSize;
    replace(this.body, ...rows.slice(start, start + this.pageSize).map((t) => el('tr', {},
      el('td', {}, el('input', { type: 'checkbox', 'data-compare': t.number, 'aria-label': `compare trial ${t.number}`, checked: this.selected.has(t.number),
        onchange: (e: Event) => {
          if ((e.target as HTMLInputElement).checked) this.selected.add(t.number);
          else this.selected.delete(t.number);
          this.onChange();
        } })),
      el('td', {}, el('a', { href: `#/trial/${t.key}` }, String(t.number))),
      el('td', {}, badge(t.state)),
      el('td', { class: 'num' }, num(t.value)),
      el('td', { class: 'num' }, t.startedAt && t.completedAt ? duration(t.completedAt - t.startedAt) : '–'),
      ...names.map((n) => el('td', { class: 'num' }, param(t.params[n]))),
      el('td', { class: 'num' }, num(t.testAccuracy)),
      el('td', {}, lineage(t)))));
    replace(this.footer,
      el('button', { disabled: this.page === 0, onclick: () => this.go(this.page - 1) }, '‹ prev'),
      el('span', { class: 'muted' }, ` page ${this.page + 1} of ${pages} · ${rows.length} trials${rows.length !== this.model.trials.length ? ` (of ${this.model.trials.length})` : ''} · sorted in ${this.lastWorkMs.toFixed(1)} ms `),
      el('button', { disabled: this.page >= pages - 1, onclick: () => this.go(this.page + 1) }, 'next ›'));
  }

  private go(page: number): void {
    this.page = page;
    this.render();
  }
}

function lineage(t: TrialRow): string {
  const parts: string[] = [];
  if (t.origin) parts.push(`${t.origin.reason} of ${t.origin.trial} @${num(t.origin.step)}`);
  if (t.pbt) parts.push(`member ${t.pbt.member}, gen ${t.pbt.generation}`);
  if (t.retryOf !== null) parts.push(`retry of ${t.retryOf}`);
  return parts.join('; ');
}
