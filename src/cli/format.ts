/** Small text formatting shared by the commands: parameter values, tables, coarse-to-fine regions. */
import { coarseToFineRegions } from '../tune/samplers/coarse-to-fine.js';
import type { ParamValue, StudyView } from '../tune/types.js';

/** 0.0001234 -> 1.23e-4, 0.5900160 -> 0.5900, 64 -> 64, 'adam' -> adam. */
export function formatParam(v: ParamValue | unknown): string {
  if (typeof v !== 'number') return String(v);
  return Number.isInteger(v) ? String(v) : Math.abs(v) < 0.01 ? v.toExponential(2) : v.toPrecision(4);
}

/** `lr=1.23e-4 batchSize=64`. */
export function formatParams(params: Readonly<Record<string, ParamValue>>): string {
  return Object.entries(params).map(([k, v]) => `${k}=${formatParam(v)}`).join(' ');
}

/** A plain text table, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The coarse-to-fine region history, when the sampler kept one: the course's zoom, made visible. */
export function regionLines(study: StudyView): string[] {
  const regions = coarseToFineRegions(study);
  if (regions.length === 0) return [];
  return [
    'Coarse-to-fine regions:',
    ...regions.map((r) => {
      const bounds = Object.entries(r.params).map(([k, b]) =>
        b.type === 'numeric' ? `${k} ${formatParam(b.low)}..${formatParam(b.high)}` : `${k} {${b.choices.join(', ')}}`);
      const from = r.round === 0 ? 'the whole space' : `top ${r.topTrials} of ${r.fromTrials} trials`;
      return `  round ${r.round} from trial ${r.startTrial} (${from})${bounds.length ? ': ' + bounds.join(', ') : ''}`;
    }),
  ];
}

/**
 * Why a run that has its budget of complete-or-running trials sits idle: the
 * running ones belong to another process, perhaps one that is gone.
 *
 * @example waitingLine([{ number: 5 }], 60000) // 'Waiting on trial 5, running in another process: ...'
 */
export function waitingLine(others: readonly { readonly number: number }[], graceMs: number): string {
  const list = others.slice(0, 10).map((t) => t.number).join(', ') + (others.length > 10 ? ', ...' : '');
  return `Waiting on trial${others.length === 1 ? '' : 's'} ${list}, running in another process: the budget counts ${others.length === 1 ? 'it' : 'them'}. ` +
    `If no other caviar tune or worker runs ${others.length === 1 ? 'it' : 'them'} any more (a run stopped by Ctrl-C twice, or killed), ` +
    `${others.length === 1 ? 'it is' : 'they are'} failed ${Math.round(graceMs / 1000)} s after the last heartbeat and new trials start then.`;
}
