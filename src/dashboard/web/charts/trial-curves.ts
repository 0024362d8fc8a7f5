/**
 * One trial's curves: train and dev loss, train and dev accuracy, and the
 * learning rate per epoch (user attribute `curves`), with a vertical line at
 * each step where a person (or population-based training) intervened. A
 * trial with no curves shows its intermediate values.
 */
import type { TrialDetail } from '../../api-types.js';
import { num } from '../format.js';
import { AXIS_NAME, chart, grid, type Option } from './echarts.js';

interface EpochRow {
  epoch?: number;
  loss?: number | null;
  accuracy?: number | null;
  devLoss?: number | null;
  devAccuracy?: number | null;
  learningRate?: number | null;
}

export interface Intervention {
  readonly step: number;
  readonly label: string;
}

/** Where the curves get marks: the trial's own record (`interventions`), else its applied commands. */
export function interventions(t: TrialDetail): Intervention[] {
  const recorded = t.userAttrs.interventions;
  if (Array.isArray(recorded)) {
    return recorded
      .filter((i): i is { step: number; kind?: unknown; args?: unknown } => typeof i === 'object' && i !== null && typeof (i as { step?: unknown }).step === 'number')
      .map((i) => ({ step: i.step, label: describe(String(i.kind ?? '?'), i.args) }));
  }
  return t.commands.filter((c) => c.state === 'applied' && c.step !== null).map((c) => ({ step: c.step!, label: describe(c.kind, c.args) }));
}

/** `set learningRate=0.001`, `rollback to #3`, `pause`. */
export function describe(kind: string, args: unknown): string {
  const a = (args ?? {}) as { params?: Record<string, unknown>; checkpointId?: unknown };
  if (kind === 'set' && a.params) return `set ${Object.entries(a.params).map(([k, v]) => `${k}=${typeof v === 'number' ? num(v) : String(v)}`).join(', ')}`;
  if (kind === 'rollback' && a.checkpointId !== undefined) return `rollback to #${String(a.checkpointId)}`;
  return kind;
}

function epochs(t: TrialDetail): EpochRow[] {
  const curves = t.userAttrs.curves;
  return Array.isArray(curves) ? (curves.filter((r) => r && typeof r === 'object') as EpochRow[]) : [];
}

function series(name: string, rows: EpochRow[], field: keyof EpochRow, color: string, dashed = false): Option {
  return {
    type: 'line', name, showSymbol: rows.length < 60, symbolSize: 4,
    data: rows.filter((r) => typeof r[field] === 'number' && typeof r.epoch === 'number').map((r) => [r.epoch, r[field]]),
    lineStyle: { color, width: 2, type: dashed ? 'dashed' : 'solid' }, itemStyle: { color },
  };
}

function marks(list: Intervention[]): Option {
  return {
    symbol: 'none', silent: false, animation: false,
    lineStyle: { color: '#c2255c', type: 'dashed', width: 1.5 },
    label: { formatter: (p: { data: { name?: string } }) => p.data.name ?? '', position: 'insideEndTop', color: '#c2255c', fontSize: 11 },
    data: list.map((i) => ({ xAxis: i.step, name: i.label })),
  };
}

function frame(yName: string, extra: Option = {}): Option {
  return {
    grid: grid(), legend: { top: 4 }, tooltip: { trigger: 'axis', valueFormatter: (v: number) => num(v) },
    xAxis: { type: 'value', name: 'epoch', ...AXIS_NAME, min: 0, minInterval: 1 },
    yAxis: { type: 'value', name: yName, ...AXIS_NAME, nameGap: 48, scale: true, ...extra },
  };
}

export function drawTrialCurves(boxes: { loss: HTMLElement; accuracy: HTMLElement; rate: HTMLElement }, t: TrialDetail): void {
  const rows = epochs(t);
  const list = interventions(t);
  const withMarks = (s: Option[]) => s.map((x, i) => (i === 0 ? { ...x, markLine: marks(list) } : x));
  if (rows.length === 0) {
    // No per-epoch record: the intermediate values (the dev metric) are what there is.
    const data = t.steps.map((s, i) => [s, t.values[i]]).filter((p) => p[1] !== null);
    chart('trial:loss', boxes.loss).draw({ ...frame('intermediate value'), series: withMarks([{ type: 'line', name: 'intermediate value', data, showSymbol: data.length < 60 }]) });
    chart('trial:accuracy', boxes.accuracy).draw({ ...frame('accuracy'), series: [] });
    boxes.accuracy.hidden = true;
    boxes.rate.hidden = true;
    return;
  }
  boxes.accuracy.hidden = false;
  chart('trial:loss', boxes.loss).draw({ ...frame('loss'), series: withMarks([series('train loss', rows, 'loss', '#2f6fde'), series('dev loss', rows, 'devLoss', '#d9822b', true)]) });
  chart('trial:accuracy', boxes.accuracy).draw({ ...frame('accuracy'), series: withMarks([series('train accuracy', rows, 'accuracy', '#2f6fde'), series('dev accuracy', rows, 'devAccuracy', '#d9822b', true)]) });
  const hasRate = rows.some((r) => typeof r.learningRate === 'number' && r.learningRate > 0);
  boxes.rate.hidden = !hasRate;
  if (hasRate) chart('trial:rate', boxes.rate).draw({ ...frame('learning rate (log)', { type: 'log' }), series: withMarks([series('learning rate', rows, 'learningRate', '#12a150')]) });
}
