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
import { chart, IN_ONE_FRAME, STATE_COLORS, tip, type OpenTrial } from './echarts.js';

/** Each trial's lane: by its recorded worker, else the first lane free when it started; and the trials in order of their start. */
export function lanes(trials: readonly TrialRow[], now: number): { names: string[]; lane: Map<number, number>; byStart: TrialRow[] } {
  const names: string[] = [];
  const byWorker = new Map<string, number>();
  const lane = new Map<number, number>();
  const freeAt: number[] = [];
  const unnamed: number[] = [];
  const byStart = [...trials].sort((a, b) => a.startedAt! - b.startedAt! || a.number - b.number);
  for (const t of byStart) {
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
  return { names, lane, byStart };
}

/** From this many trials on, bars less than a pixel apart are drawn as one. */
const MERGE_FROM = 5000;

/** States in the order their bars are drawn (later on top). */
const STATES = ['complete', 'pruned', 'failed', 'running', 'waiting'];

export function drawTimeline(box: HTMLElement, m: StudyModel, open: OpenTrial): string {
  const now = Date.now();
  const started = m.trials.filter((t): t is TrialRow => !!t && t.startedAt !== null);
  const { names, lane, byStart } = lanes(started, now);
  // One 'lines' series per state in large mode, each bar a flat segment in ECharts' typed form (2, x0, lane, x1, lane):
  // a custom series draws 100,000 bars one callback at a time, seconds of work. Past MERGE_FROM trials, a bar that
  // starts within a pixel's time of the last bar of its state on its lane extends that bar instead (the chart is about
  // 1,300 pixels wide: what it shows is the same, and the path has a bar per pixel rather than per trial).
  const first = byStart.length > 0 ? byStart[0].startedAt! : now;
  const last = started.reduce((end, t) => Math.max(end, t.completedAt ?? now), first);
  const pixel = started.length > MERGE_FROM ? (last - first) / 2000 : -1;
  const flat: Record<string, number[]> = {};
  const trialsOf: Record<string, number[]> = {};
  const countOf: Record<string, number[]> = {};
  const openBar: Record<string, Map<number, number>> = {};
  for (const s of STATES) [flat[s], trialsOf[s], countOf[s], openBar[s]] = [[], [], [], new Map()];
  for (const t of byStart) {
    const l = lane.get(t.number)!;
    const [x0, x1] = [t.startedAt!, Math.max(t.completedAt ?? now, t.startedAt! + 1)];
    const bar = openBar[t.state].get(l);
    // flat[5 * bar + 3] is that bar's end.
    if (bar !== undefined && pixel >= 0 && x0 - flat[t.state][5 * bar + 3] <= pixel) {
      flat[t.state][5 * bar + 3] = Math.max(flat[t.state][5 * bar + 3], x1);
      countOf[t.state][bar]++;
      continue;
    }
    openBar[t.state].set(l, trialsOf[t.state].length);
    flat[t.state].push(2, x0, l, x1, l);
    trialsOf[t.state].push(t.number);
    countOf[t.state].push(1);
  }
  const trialAt = (series: number, index: number) => m.trials[trialsOf[STATES[series]]?.[index] ?? -1];
  const bars = STATES.reduce((n, s) => n + trialsOf[s].length, 0);
  // The height first: a chart made at one size and then resized draws everything twice (100,000 bars: a fifth of a second).
  const height = Math.max(160, 70 + 22 * names.length);
  box.style.height = `${height}px`;
  const c = chart('timeline', box);
  c.chart.off('click');
  c.chart.on('click', (p) => {
    const t = trialAt(p.seriesIndex ?? -1, p.dataIndex);
    if (t) open(t.key, p.event?.event as MouseEvent | undefined);
  });
  const barWidth = Math.max(2, Math.min(14, ((height - 40) / Math.max(1, names.length)) * 0.6));
  c.draw({
    grid: { left: 110, right: 24, top: 10, bottom: 30 },
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesIndex: number; dataIndex: number }) => {
        const t = trialAt(p.seriesIndex, p.dataIndex);
        if (!t) return '';
        const more = countOf[STATES[p.seriesIndex]][p.dataIndex] - 1;
        return tip(more > 0 ? `trial ${t.number} and ${more} more` : `trial ${t.number}`,
          [['state', t.state], ['worker', names[lane.get(t.number)!]], ['started', time(t.startedAt)], [more > 0 ? 'the first took' : 'took', duration((t.completedAt ?? now) - t.startedAt!)]]);
      },
    },
    xAxis: { type: 'time', scale: true },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 100, overflow: 'truncate', interval: 0 } },
    series: STATES.map((state) => ({
      type: 'lines', name: state, coordinateSystem: 'cartesian2d', polyline: true, large: true, largeThreshold: 500, ...IN_ONE_FRAME,
      data: new Float64Array(flat[state]),
      lineStyle: { color: STATE_COLORS[state], width: barWidth, opacity: 1, cap: 'butt' },
    })),
  }, STATES.map((s) => trialsOf[s].length));
  const recorded = started.some((t) => t.worker !== null);
  const merged = bars < started.length ? ` Bars within a pixel of the last of their state and lane are drawn as one (${bars} bars).` : '';
  return (recorded
    ? `${started.length} trials on ${names.length} workers, as each trial recorded its runner.`
    : `${started.length} trials; no trial recorded its worker, so each lane is a slot: trials that ran at once are on different lanes.`) + merged;
}
