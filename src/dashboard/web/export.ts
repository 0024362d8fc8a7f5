/**
 * Taking things out of the page: the trials the table shows (its filter and
 * order) as CSV or JSON, and any chart as PNG or SVG, each saved as a file
 * made in the page (nothing is asked of the server). No DOM here: the
 * files' contents, which Node's tests read too; `saveFile` (dom.ts) saves them.
 */
import type { TrialRow } from '../api-types.js';
import { param } from './format.js';

/**
 * One CSV field: quoted when it holds a comma, quote or line break; a text
 * that a spreadsheet would run as a formula (=, +, -, @ first, not a number)
 * is prefixed with ' so it stays text.
 */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !Number.isFinite(Number(s))) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The columns of both exports: number, state, the metric's value, times, each parameter, test accuracy, worker. */
function records(trials: readonly TrialRow[], params: readonly string[]): Record<string, string | number | null>[] {
  return trials.map((t) => ({
    number: t.number,
    state: t.state,
    value: t.value,
    startedAt: t.startedAt === null ? null : new Date(t.startedAt).toISOString(),
    completedAt: t.completedAt === null ? null : new Date(t.completedAt).toISOString(),
    durationSeconds: t.startedAt !== null && t.completedAt !== null ? (t.completedAt - t.startedAt) / 1000 : null,
    ...Object.fromEntries(params.map((n) => {
      const v = t.params[n];
      return [`params.${n}`, v === undefined ? null : typeof v === 'number' || typeof v === 'string' ? v : param(v)];
    })),
    testAccuracy: t.testAccuracy,
    worker: t.worker,
  }));
}

/** The trials as CSV, a header line first; the value column is named after the metric (`value` when it is not a name). */
export function trialsCsv(trials: readonly TrialRow[], params: readonly string[], metric: string): string {
  const rows = records(trials, params);
  const columns = ['number', 'state', 'value', 'startedAt', 'completedAt', 'durationSeconds', ...params.map((n) => `params.${n}`), 'testAccuracy', 'worker'];
  const head = columns.map((c) => csvField(c === 'value' && /^\w+$/.test(metric) ? metric : c));
  return [head.join(','), ...rows.map((r) => columns.map((c) => csvField(r[c])).join(','))].join('\n') + '\n';
}

/** The trials as JSON: `{ metric, trials: [...] }`, the same columns as the CSV. */
export function trialsJson(trials: readonly TrialRow[], params: readonly string[], metric: string): string {
  return JSON.stringify({ metric, trials: records(trials, params) }, null, 1);
}
