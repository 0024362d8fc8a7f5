/**
 * ECharts, as the page uses it. Why ECharts: it has a parallel-coordinates
 * series built in (uPlot and Chart.js have none), log axes on every kind of
 * axis (parallel axes included, which the 1 - beta scale needs), a canvas
 * renderer with a large mode and progressive rendering that draws tens of
 * thousands of points and lines smoothly, and it installs from npm with no
 * network at run time. Only the charts and components used are bundled
 * (echarts/core), which keeps the bundle near 750 KB minified.
 *
 * Every chart is registered by name in `window.__caviar`, so the browser
 * tests (and a curious person in the console) can check that each chart
 * holds data and has finished drawing.
 */
import * as echarts from 'echarts/core';
import { BarChart, CustomChart, LineChart, LinesChart, ParallelChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, ParallelComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import { el, saveFile } from '../dom.js';
import type { PredictionsReport } from '../../api-types.js';

echarts.use([
  BarChart, CustomChart, LineChart, LinesChart, ParallelChart, ScatterChart,
  DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, ParallelComponent, TooltipComponent, VisualMapComponent,
  CanvasRenderer, SVGRenderer,
]);

export type Chart = echarts.ECharts;
// ECharts' full option type is a large union; charts here build plain objects and ECharts checks them at run time.
export type Option = Record<string, unknown>;

/** Colours of trial states, shared by charts, badges (style.css) and the table. */
export const STATE_COLORS: Record<string, string> = {
  complete: '#2f6fde',
  pruned: '#d9822b',
  running: '#12a150',
  failed: '#c92a2a',
  waiting: '#868e96',
};

interface Entry {
  chart: Chart;
  drawn: boolean;
  observer: ResizeObserver;
  /** Points per series, when the chart code knows better than the option (flat typed data). */
  points?: readonly number[];
}

const registry = new Map<string, Entry>();

/** What a test can read: each chart's series with the number of points it holds, and whether it has finished drawing. */
export interface ChartReport {
  readonly drawn: boolean;
  readonly series: { readonly type: string; readonly name: string; readonly points: number }[];
}

declare global {
  interface Window {
    __caviar: {
      charts(): Record<string, ChartReport>;
      /** The ECharts instance of a chart, for tests that look at axes and options. */
      chart(id: string): Chart | undefined;
      /** When each page became usable (performance.now(): ms since navigation started). */
      ready: Record<string, number>;
      timings?: Record<string, number>;
      /** When each chart last finished rendering what it was last given (performance.now()), for profiling a slow page. */
      rendered: Record<string, number>;
      /**
       * Whether every part of the page in or near the view is drawn and its charts have finished rendering (the
       * study page draws a chart when it comes near the view: lazy.ts). Tests scroll to a chart, then wait for this.
       */
      settled?: () => boolean;
      /** How many times each part of the study page was drawn (lazy.ts). */
      draws?: Record<string, number>;
      /** What the trial page's predictions computed (predictions.ts). */
      predictions?: PredictionsReport;
    };
  }
}

function pointsOf(series: { data?: ArrayLike<unknown> }): number {
  return series.data?.length ?? 0;
}

window.__caviar = {
  charts() {
    const out: Record<string, ChartReport> = {};
    for (const [id, entry] of registry) {
      const option = entry.chart.getOption() as { series?: { type?: string; name?: string; data?: unknown[] }[] };
      out[id] = {
        drawn: entry.drawn,
        series: (option.series ?? []).map((s, i) => ({ type: s.type ?? '', name: String(s.name ?? ''), points: entry.points?.[i] ?? pointsOf(s) })),
      };
    }
    return out;
  },
  chart: (id) => registry.get(id)?.chart,
  ready: {},
  rendered: {},
};

/**
 * A chart in `container`, registered as `id` (a chart already there is reused).
 * `draw` replaces the chart's whole option.
 */
export function chart(id: string, container: HTMLElement): { chart: Chart; draw(option: Option, points?: readonly number[]): void } {
  let entry = registry.get(id);
  if (!entry || entry.chart.getDom() !== container) {
    entry?.chart.dispose();
    entry?.observer.disconnect();
    const made = echarts.init(container, undefined, { renderer: 'canvas' });
    addExport(id, container, made);
    // Only a real change of size redraws: the observer also fires once when it starts, which would draw every chart twice.
    const observer = new ResizeObserver(() => {
      if (container.clientWidth !== made.getWidth() || container.clientHeight !== made.getHeight()) made.resize();
    });
    observer.observe(container);
    const fresh: Entry = { chart: made, drawn: false, observer };
    made.on('finished', () => {
      if (!fresh.drawn) window.__caviar.rendered[id] = performance.now();
      fresh.drawn = true;
    });
    registry.set(id, fresh);
    entry = fresh;
  }
  const e = entry;
  return {
    chart: e.chart,
    draw(option, points) {
      e.drawn = false;
      e.points = points;
      e.chart.setOption({ animation: false, ...option }, { notMerge: true, lazyUpdate: false });
    },
  };
}

/** A file name from a chart id: `slice:learningRate` -> `slice-learningRate`. */
function fileName(id: string): string {
  return id.replace(/[^\w.-]+/g, '-');
}

/** The chart as an SVG document: drawn again, off screen, by ECharts' SVG renderer from the same option. */
export function chartSvg(c: Chart): string {
  const copy = echarts.init(null as unknown as HTMLElement, undefined, { renderer: 'svg', ssr: true, width: c.getWidth(), height: c.getHeight() });
  try {
    copy.setOption({ ...(c.getOption() as Option), animation: false, backgroundColor: '#fff' });
    return copy.renderToSVGString();
  } finally {
    copy.dispose();
  }
}

/** The chart as PNG bytes, at twice its size on screen for print. */
export function chartPng(c: Chart): Blob {
  const url = c.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' });
  const bytes = Uint8Array.from(atob(url.slice(url.indexOf(',') + 1)), (ch) => ch.charCodeAt(0));
  return new Blob([bytes], { type: 'image/png' });
}

/** Two small buttons in the chart's corner: save it as PNG or as SVG. */
function addExport(id: string, container: HTMLElement, c: Chart): void {
  container.querySelector(':scope > .chart-export')?.remove();
  container.classList.add('exportable');
  container.append(el('div', { class: 'chart-export' },
    el('button', { 'data-export': 'png', title: `save this chart as ${fileName(id)}.png`, onclick: () => saveFile(`${fileName(id)}.png`, chartPng(c)) }, 'PNG'),
    el('button', { 'data-export': 'svg', title: `save this chart as ${fileName(id)}.svg`, onclick: () => saveFile(`${fileName(id)}.svg`, new Blob([chartSvg(c)], { type: 'image/svg+xml' })) }, 'SVG')));
}

/**
 * Draws a small throwaway chart of each kind the study page uses, off
 * screen. The first chart of a page costs a few hundred milliseconds of
 * compiling and setting up ECharts' code; done while a large study is still
 * downloading (the main thread is idle then), that cost leaves the path to a
 * usable page.
 */
export function warmUp(): void {
  const box = el('div', { style: 'position:fixed;left:-10000px;top:0;width:400px;height:300px' });
  document.body.append(box);
  const c = echarts.init(box, undefined, { renderer: 'canvas' });
  const xy = new Float64Array([0, 1, 1, 2, 2, 3]);
  c.setOption({
    animation: false,
    grid: [{ left: 40, top: 20, width: 150, height: 100 }, { left: 220, top: 20, width: 150, height: 100 }],
    xAxis: [{ type: 'value', gridIndex: 0 }, { type: 'log', gridIndex: 1 }],
    yAxis: [{ type: 'value', gridIndex: 0 }, { type: 'value', gridIndex: 1 }],
    parallel: { top: 150, height: 100 },
    parallelAxis: [{ dim: 0, type: 'log' }, { dim: 1, type: 'category', data: ['a', 'b'] }, { dim: 2 }],
    visualMap: { show: false, type: 'continuous', dimension: 2, min: 0, max: 1, seriesIndex: 3 },
    tooltip: { trigger: 'item' },
    legend: {},
    series: [
      { type: 'scatter', data: xy, dimensions: ['x', 'y'], encode: { x: 0, y: 1 } },
      { type: 'line', data: [[0, 1], [1, 2]], step: 'end', showSymbol: false },
      { type: 'lines', coordinateSystem: 'cartesian2d', polyline: true, large: true, data: new Float64Array([2, 0, 1, 1, 2]), xAxisIndex: 1, yAxisIndex: 1 },
      { type: 'parallel', data: [[0.1, 'a', 0.5], [0.01, 'b', 0.7]], progressive: 0 },
    ],
  });
  c.dispose();
  box.remove();
}

/** Disposes every chart (the page is changing). */
export function disposeCharts(): void {
  for (const { chart: c, observer } of registry.values()) {
    observer.disconnect();
    c.dispose();
  }
  registry.clear();
}

/** Disposes the charts whose id starts with `prefix` (a group being redrawn with other members). */
export function disposeChartsWith(prefix: string): void {
  for (const [id, { chart: c, observer }] of registry) {
    if (!id.startsWith(prefix)) continue;
    observer.disconnect();
    c.dispose();
    registry.delete(id);
  }
}

/** Whether these charts exist and have finished drawing. */
export function drawn(...ids: string[]): boolean {
  return ids.every((id) => registry.get(id)?.drawn === true);
}

/** Whether every chart inside `box` has finished drawing (true when it holds none). */
export function drawnWithin(box: HTMLElement): boolean {
  for (const e of registry.values()) if (!e.drawn && box.contains(e.chart.getDom())) return false;
  return true;
}

/** Whether every chart registered has finished drawing. */
export function allDrawn(): boolean {
  return [...registry.values()].every((e) => e.drawn);
}

/**
 * A tooltip body built as DOM with text nodes: ECharts would otherwise put
 * the formatter's string in innerHTML, and names in it come from users.
 */
export function tip(title: string, rows: [string, string][]): HTMLElement {
  return el('div', { class: 'tip' }, el('b', {}, title), ...rows.map(([k, v]) => el('div', {}, `${k}: ${v}`)));
}

/**
 * Points for a scatter series in ECharts' typed form (x, y, x, y, ...): no
 * array per point for ECharts to clone and read, which matters at 10,000
 * trials. It keeps each point's trial number, for tooltips and clicks by
 * data index.
 */
export class PointSet {
  private readonly xy: number[] = [];
  readonly trials: number[] = [];

  add(x: number, y: number, trial: number): void {
    this.xy.push(x, y);
    this.trials.push(trial);
  }

  get size(): number {
    return this.trials.length;
  }

  /** The series fields for these points: data, its dimensions, and large mode when there are many. */
  series(): Option {
    return { data: new Float64Array(this.xy), dimensions: ['x', 'y'], encode: { x: 0, y: 1 }, large: this.size > 2000, largeThreshold: 2000, ...IN_ONE_FRAME };
  }
}

/**
 * Series options that draw a large series in one frame. ECharts' default
 * past 3,000 items is progressive rendering: a few hundred items a frame,
 * the chart repainted each frame. With 80,000 points in each of six charts
 * that took some 25 s of frames (100,000 trials, loaded 2-core machine),
 * where one frame draws a large series' points as one path in tens of
 * milliseconds.
 */
export const IN_ONE_FRAME = { progressive: 0 } as const;

/**
 * What a click on a trial does: open its page, or with Shift (or Ctrl, ⌘)
 * held add it to or take it from the trials being compared.
 */
export type OpenTrial = (trialKey: string, event?: MouseEvent) => void;

/** The common frame of a cartesian chart. */
export function grid(extra: Option = {}): Option {
  return { left: 64, right: 24, top: 36, bottom: 40, containLabel: false, ...extra };
}

export const AXIS_NAME = { nameLocation: 'middle', nameGap: 28 } as const;
