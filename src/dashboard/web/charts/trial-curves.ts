/**
 * One trial's curves: train and dev loss, train and dev accuracy, and the
 * learning rate per epoch (user attribute `curves`), with a vertical line at
 * each step where a person (or population-based training) intervened. A
 * trial with no curves shows its intermediate values.
 */
import type { TrialDetail } from '../../api-types.js';
import { num } from '../format.js';
import { valueAxis } from '../scales.js';
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

/**
 * One mark per step: commands applied at the same step share one line and
 * one label (their vertical labels would be drawn over each other). Marks
 * that follow each other put their labels at alternate ends of their lines,
 * so two close steps do not collide either.
 */
export function markGroups(list: Intervention[]): Intervention[] {
  const byStep = new Map<number, string[]>();
  for (const i of list) byStep.set(i.step, [...(byStep.get(i.step) ?? []), i.label]);
  return [...byStep].sort((a, b) => a[0] - b[0]).map(([step, labels]) => ({ step, label: labels.join(' · ') }));
}

function marks(list: Intervention[], pruned?: { step: number; label: string }): Option {
  const data: Option[] = markGroups(list).map((i, k) => ({ xAxis: i.step, name: i.label, label: { position: k % 2 === 0 ? 'insideEndTop' : 'insideStartTop' } }));
  if (pruned) data.push({ xAxis: pruned.step, name: pruned.label, lineStyle: { color: '#d9822b', type: 'solid', width: 2 }, label: { position: 'insideEndBottom', color: '#d9822b' } });
  return {
    symbol: 'none', silent: false, animation: false,
    lineStyle: { color: '#c2255c', type: 'dashed', width: 1.5 },
    label: { formatter: (p: { data: { name?: string } }) => p.data.name ?? '', position: 'insideEndTop', color: '#c2255c', fontSize: 11 },
    data,
  };
}

/** Where a pruned trial stopped: its last reported step and value. */
export function prunedAt(t: TrialDetail): { step: number; value: number } | undefined {
  if (t.state !== 'pruned') return undefined;
  for (let i = t.values.length - 1; i >= 0; i--) {
    const v = t.values[i];
    if (v !== null) return { step: t.steps[i], value: v };
  }
  return undefined;
}

function frame(yName: string, lastEpoch: number, extra: Option = {}): Option {
  return {
    grid: grid(), legend: { top: 4 }, tooltip: { trigger: 'axis', valueFormatter: (v: number) => num(v) },
    xAxis: { type: 'value', name: 'epoch', ...AXIS_NAME, ...valueAxis(Math.min(1, lastEpoch), Math.max(1, lastEpoch), { integer: true }) },
    yAxis: { type: 'value', name: yName, ...AXIS_NAME, nameGap: 48, scale: true, ...extra },
  };
}

export function drawTrialCurves(boxes: { loss: HTMLElement; accuracy: HTMLElement; rate: HTMLElement }, t: TrialDetail): void {
  const rows = epochs(t);
  const list = interventions(t);
  const stop = prunedAt(t);
  const pruned = stop && { step: stop.step, label: `pruned at epoch ${num(stop.step)}` };
  const lastEpoch = Math.max(0, ...t.steps, ...rows.map((r) => (typeof r.epoch === 'number' ? r.epoch : 0)), ...list.map((i) => Math.ceil(i.step)));
  const withMarks = (s: Option[]) => s.map((x, i) => (i === 0 ? { ...x, markLine: marks(list, pruned) } : x));
  const frameOf = (yName: string, extra: Option = {}) => frame(yName, lastEpoch, extra);
  if (rows.length === 0) {
    // No per-epoch record: the intermediate values (the dev metric) are what there is.
    const data = t.steps.map((s, i) => [s, t.values[i]]).filter((p) => p[1] !== null);
    chart('trial:loss', boxes.loss).draw({ ...frameOf(t.metric), series: withMarks([{ type: 'line', name: t.metric, data, showSymbol: data.length < 60 }]) });
    chart('trial:accuracy', boxes.accuracy).draw({ ...frameOf('accuracy'), series: [] });
    boxes.accuracy.hidden = true;
    boxes.rate.hidden = true;
    return;
  }
  boxes.accuracy.hidden = false;
  chart('trial:loss', boxes.loss).draw({ ...frameOf('loss'), series: withMarks([series('train loss', rows, 'loss', '#2f6fde'), series('dev loss', rows, 'devLoss', '#d9822b', true)]) });
  chart('trial:accuracy', boxes.accuracy).draw({ ...frameOf('accuracy'), series: withMarks([series('train accuracy', rows, 'accuracy', '#2f6fde'), series('dev accuracy', rows, 'devAccuracy', '#d9822b', true)]) });
  const hasRate = rows.some((r) => typeof r.learningRate === 'number' && r.learningRate > 0);
  boxes.rate.hidden = !hasRate;
  if (hasRate) chart('trial:rate', boxes.rate).draw({ ...frameOf('learning rate (log)', { type: 'log' }), series: withMarks([series('learning rate', rows, 'learningRate', '#12a150')]) });
}
