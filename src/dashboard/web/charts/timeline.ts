/**
 * A timeline of trials: one bar per trial from its start to its end (now,
 * while it runs), on a lane per worker, coloured by state, so a person sees
 * which worker ran what and when, where workers sat idle, and which trials
 * were pruned or failed. Lanes are the runners the trials recorded (system
 * attribute `worker`); trials that recorded none are packed onto as few
 * lanes as never overlap, which shows how many ran at once.
 */
import type { TrialRow } from '../../api-types.js';
import { duration, time } from '../format.js';
import type { StudyModel } from '../study-model.js';
import { chart, STATE_COLORS, tip, type OpenTrial } from './echarts.js';

/** Each trial's lane: by its recorded worker, else the first lane free when it started. */
export function lanes(trials: readonly TrialRow[], now: number): { names: string[]; lane: Map<number, number> } {
  const names: string[] = [];
  const byWorker = new Map<string, number>();
  const lane = new Map<number, number>();
  const freeAt: number[] = [];
  const unnamed: number[] = [];
  for (const t of [...trials].sort((a, b) => a.startedAt! - b.startedAt! || a.number - b.number)) {
    if (t.worker !== null) {
      if (!byWorker.has(t.worker)) {
        byWorker.set(t.worker, names.length);
        names.push(t.worker);
      }
      lane.set(t.number, byWorker.get(t.worker)!);
      continue;
    }
    let k = freeAt.findIndex((end) => end <= t.startedAt!);
    if (k < 0) {
      k = freeAt.length;
      freeAt.push(0);
      unnamed.push(names.length);
      names.push(`lane ${k + 1}`);
    }
    freeAt[k] = t.completedAt ?? now;
    lane.set(t.number, unnamed[k]);
  }
  return { names, lane };
}

/** States in the order their bars are drawn (later on top). */
const STATES = ['complete', 'pruned', 'failed', 'running', 'waiting'];

export function drawTimeline(box: HTMLElement, m: StudyModel, open: OpenTrial): string {
  const now = Date.now();
  const started = m.trials.filter((t): t is TrialRow => !!t && t.startedAt !== null);
  const { names, lane } = lanes(started, now);
  // One 'lines' series per state in large mode, each bar a flat segment in ECharts' typed form (2, x0, lane, x1, lane):
  // a custom series draws 100,000 bars one callback at a time, seconds of work.
  const flat: Record<string, number[]> = {};
  const trialsOf: Record<string, number[]> = {};
  for (const s of STATES) [flat[s], trialsOf[s]] = [[], []];
  for (const t of started) {
    const l = lane.get(t.number)!;
    flat[t.state].push(2, t.startedAt!, l, Math.max(t.completedAt ?? now, t.startedAt! + 1), l);
    trialsOf[t.state].push(t.number);
  }
  const trialAt = (series: number, index: number) => m.trials[trialsOf[STATES[series]]?.[index] ?? -1];
  const c = chart('timeline', box);
  c.chart.off('click');
  c.chart.on('click', (p) => {
    const t = trialAt(p.seriesIndex ?? -1, p.dataIndex);
    if (t) open(t.key, p.event?.event as MouseEvent | undefined);
  });
  const height = Math.max(160, 70 + 22 * names.length);
  box.style.height = `${height}px`;
  const barWidth = Math.max(2, Math.min(14, ((height - 40) / Math.max(1, names.length)) * 0.6));
  c.draw({
    grid: { left: 110, right: 24, top: 10, bottom: 30 },
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesIndex: number; dataIndex: number }) => {
        const t = trialAt(p.seriesIndex, p.dataIndex);
        if (!t) return '';
        return tip(`trial ${t.number}`, [['state', t.state], ['worker', names[lane.get(t.number)!]], ['started', time(t.startedAt)], ['took', duration((t.completedAt ?? now) - t.startedAt!)]]);
      },
    },
    xAxis: { type: 'time', scale: true },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 100, overflow: 'truncate', interval: 0 } },
    series: STATES.map((state) => ({
      type: 'lines', name: state, coordinateSystem: 'cartesian2d', polyline: true, large: true, largeThreshold: 500,
      data: new Float64Array(flat[state]),
      lineStyle: { color: STATE_COLORS[state], width: barWidth, opacity: 1, cap: 'butt' },
    })),
  }, STATES.map((s) => trialsOf[s].length));
  const recorded = started.some((t) => t.worker !== null);
  return recorded
    ? `${started.length} trials on ${names.length} workers, as each trial recorded its runner.`
    : `${started.length} trials; no trial recorded its worker, so each lane is a slot: trials that ran at once are on different lanes.`;
}
