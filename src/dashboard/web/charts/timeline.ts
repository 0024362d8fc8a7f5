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

export function drawTimeline(box: HTMLElement, m: StudyModel, open: OpenTrial): string {
  const now = Date.now();
  const started = m.trials.filter((t): t is TrialRow => !!t && t.startedAt !== null);
  const { names, lane } = lanes(started, now);
  const data = started.map((t) => [lane.get(t.number)!, t.startedAt!, t.completedAt ?? now, t.number]);
  const c = chart('timeline', box);
  c.chart.off('click');
  c.chart.on('click', (p) => {
    const t = m.trials[(p.value as number[])[3]];
    if (t) open(t.key, p.event?.event as MouseEvent | undefined);
  });
  box.style.height = `${Math.max(160, 70 + 22 * names.length)}px`;
  c.draw({
    grid: { left: 110, right: 24, top: 10, bottom: 30 },
    tooltip: {
      trigger: 'item',
      formatter: (p: { value: number[] }) => {
        const t = m.trials[p.value[3]];
        return tip(`trial ${t?.number}`, [['state', t?.state ?? ''], ['worker', names[p.value[0]]], ['started', time(p.value[1])], ['took', duration(p.value[2] - p.value[1])]]);
      },
    },
    xAxis: { type: 'time', scale: true },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 100, overflow: 'truncate', interval: 0 } },
    series: [{
      type: 'custom',
      name: 'trials',
      encode: { x: [1, 2], y: 0 },
      data,
      renderItem: (_: unknown, api: { value(i: number): number; coord(p: number[]): number[]; size(p: number[]): number[] }) => {
        const [x0, y] = api.coord([api.value(1), api.value(0)]);
        const [x1] = api.coord([api.value(2), api.value(0)]);
        const h = api.size([0, 1])[1] * 0.7;
        const t = m.trials[api.value(3)];
        return { type: 'rect', shape: { x: x0, y: y - h / 2, width: Math.max(1, x1 - x0), height: h }, style: { fill: STATE_COLORS[t?.state ?? 'waiting'] } };
      },
    }],
  }, [data.length]);
  const recorded = started.some((t) => t.worker !== null);
  return recorded
    ? `${started.length} trials on ${names.length} workers, as each trial recorded its runner.`
    : `${started.length} trials; no trial recorded its worker, so each lane is a slot: trials that ran at once are on different lanes.`;
}
