/**
 * Contour: the value over two parameters, each on its own scale (log, 1 -
 * beta, linear), as a coloured surface interpolated from the complete
 * trials (inverse-distance weighting on the axes' own scales, each scaled to
 * [0, 1]) with the trials drawn over it. Darker is better, as on parallel
 * coordinates. Categorical parameters are not offered.
 */
import type { Distribution, ParamValue } from '../../api-types.js';
import { el, replace } from '../dom.js';
import { num, param } from '../format.js';
import { axisOption, paramAxis } from '../scales.js';
import { paramNames, type StudyModel } from '../study-model.js';
import { chart, grid, tip, type OpenTrial } from './echarts.js';

/** Cells per side of the surface. */
const CELLS = 28;
/** The most recent trials the surface is interpolated from (each cell visits each). */
const MAX_TRIALS = 2000;

/** Where a value sits on its axis' own scale, as a number (log10 for log axes, of 1 - beta for that scale). */
function internal(d: Distribution | undefined, v: ParamValue | undefined): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  if (d?.type === 'float' && d.scale === 'oneMinusBeta') return v < 1 ? Math.log10(1 - v) : null;
  if (d && d.type !== 'categorical' && d.scale === 'log') return v > 0 ? Math.log10(v) : null;
  return v;
}

/** Back from `internal` to what the axis plots (1 - beta itself on the 1 - beta scale's log axis). */
function axisValue(d: Distribution | undefined, u: number): number {
  if (d?.type === 'float' && d.scale === 'oneMinusBeta') return 10 ** u;
  if (d && d.type !== 'categorical' && d.scale === 'log') return 10 ** u;
  return u;
}

/** Parameters a contour can take: numeric ones. */
export function contourParams(m: StudyModel): string[] {
  return paramNames(m).filter((n) => m.distributions[n]?.type !== 'categorical');
}

export interface ContourState {
  x: string;
  y: string;
  /** Whether a person chose the pair (then the page's address keeps it), rather than the first two parameters. */
  picked: boolean;
}

/**
 * Draws the contour of `state.x` against `state.y` into `box` (with two
 * selects to change them in `controls`).
 */
export function drawContour(box: HTMLElement, controls: HTMLElement, m: StudyModel, state: ContourState, open: OpenTrial, changed: () => void = () => {}): void {
  const names = contourParams(m);
  if (!names.includes(state.x)) state.x = names[0] ?? '';
  if (!names.includes(state.y) || state.y === state.x) state.y = names.find((n) => n !== state.x) ?? '';
  const select = (which: 'x' | 'y') => el('select', { 'aria-label': `contour ${which}`, 'data-axis': which, onchange: (e: Event) => {
    state[which] = (e.target as HTMLSelectElement).value;
    state.picked = true;
    drawContour(box, controls, m, state, open, changed);
    changed();
  } }, ...names.map((n) => el('option', { value: n, selected: n === state[which] }, n)));
  replace(controls, 'x ', select('x'), ' y ', select('y'));
  const [dx, dy] = [m.distributions[state.x], m.distributions[state.y]];
  // The most recent MAX_TRIALS, found from the end: at 100,000 trials the rest is never looked at.
  const recent: { u: number; v: number; value: number; trial: number }[] = [];
  for (let n = m.trials.length - 1; n >= 0 && recent.length < MAX_TRIALS; n--) {
    const t = m.trials[n];
    if (!t || t.state !== 'complete' || t.value === null) continue;
    const u = internal(dx, t.params[state.x]);
    const v = internal(dy, t.params[state.y]);
    if (u !== null && v !== null) recent.push({ u, v, value: t.value, trial: t.number });
  }
  recent.reverse();
  const range = (k: 'u' | 'v') => {
    const xs = recent.map((p) => p[k]);
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
  };
  const cells: number[][] = [];
  let lo = Infinity;
  let hi = -Infinity;
  if (recent.length >= 3 && state.x && state.y) {
    const [[u0, u1], [v0, v1]] = [range('u'), range('v')];
    // Each trial on [0, 1] x [0, 1] once, in typed arrays: the two scales weigh alike, and the 784 x 2000 inner loop
    // reads numbers, not objects.
    const pu = Float64Array.from(recent, (p) => (p.u - u0) / (u1 - u0));
    const pv = Float64Array.from(recent, (p) => (p.v - v0) / (v1 - v0));
    const pValue = Float64Array.from(recent, (p) => p.value);
    for (let i = 0; i < CELLS; i++) {
      for (let j = 0; j < CELLS; j++) {
        const cu = (i + 0.5) / CELLS;
        const cv = (j + 0.5) / CELLS;
        let wsum = 0;
        let vsum = 0;
        for (let k = 0; k < pu.length; k++) {
          const du = pu[k] - cu;
          const dv = pv[k] - cv;
          const d2 = du * du + dv * dv;
          const w = 1 / (d2 * d2 + 1e-12);
          wsum += w;
          vsum += w * pValue[k];
        }
        const value = vsum / wsum;
        [lo, hi] = [Math.min(lo, value), Math.max(hi, value)];
        const du = (u1 - u0) / CELLS;
        const dv = (v1 - v0) / CELLS;
        cells.push([axisValue(dx, u0 + i * du), axisValue(dx, u0 + (i + 1) * du), axisValue(dy, v0 + j * dv), axisValue(dy, v0 + (j + 1) * dv), value]);
      }
    }
  }
  const ax = paramAxis(state.x, dx);
  const ay = paramAxis(state.y, dy);
  const c = chart('contour', box);
  c.chart.off('click');
  c.chart.on('click', (p) => {
    if (p.seriesIndex !== 1) return;
    const t = m.trials[recent[p.dataIndex]?.trial ?? -1];
    if (t) open(t.key, p.event?.event as MouseEvent | undefined);
  });
  c.draw({
    grid: grid({ right: 90, bottom: 46 }),
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesIndex: number; dataIndex: number }) => {
        if (p.seriesIndex === 0) return tip('interpolated', [[m.summary.metric, num(cells[p.dataIndex][4])]]);
        const q = recent[p.dataIndex];
        const t = m.trials[q.trial];
        return tip(`trial ${q.trial}`, [[state.x, param(t?.params[state.x])], [state.y, param(t?.params[state.y])], [m.summary.metric, num(q.value)]]);
      },
    },
    xAxis: { ...axisOption(ax), nameLocation: 'middle', nameGap: 28 },
    yAxis: { ...axisOption(ay), nameLocation: 'middle', nameGap: 48 },
    visualMap: {
      type: 'continuous', dimension: 4, seriesIndex: 0, min: Number.isFinite(lo) ? lo : 0, max: Number.isFinite(hi) && hi > lo ? hi : lo + 1,
      inRange: { color: m.direction === 'maximize' ? ['#d6e4ff', '#2f6fde', '#0b2a6b'] : ['#0b2a6b', '#2f6fde', '#d6e4ff'] },
      right: 8, top: 'middle', itemHeight: 120, calculable: false, formatter: (v: number) => num(v),
      text: m.direction === 'maximize' ? ['better', 'worse'] : ['worse', 'better'],
    },
    series: [
      {
        type: 'custom', name: 'surface', data: cells, encode: { x: [0, 1], y: [2, 3] }, silent: false,
        renderItem: (_: unknown, api: { value(i: number): number; coord(p: number[]): number[]; visual(k: string): string }) => {
          const [xa, ya] = api.coord([api.value(0), api.value(2)]);
          const [xb, yb] = api.coord([api.value(1), api.value(3)]);
          return { type: 'rect', shape: { x: Math.min(xa, xb), y: Math.min(ya, yb), width: Math.abs(xb - xa) + 0.5, height: Math.abs(yb - ya) + 0.5 }, style: { fill: api.visual('color') } };
        },
      },
      {
        type: 'scatter', name: 'trials', symbolSize: 6,
        data: recent.map((p) => [axisValue(dx, p.u), axisValue(dy, p.v)]),
        itemStyle: { color: '#fff', borderColor: '#10182b', borderWidth: 1 },
      },
    ],
  }, [cells.length, recent.length]);
}
