/**
 * The trial page's "Predictions" section: the trial's saved model, run in
 * this browser on caviar's own WebAssembly backend (the predictions worker,
 * /predictions.js, with /caviar.wasm), on its study's test examples — a page
 * of them drawn with the true label, the predicted class and the top
 * probabilities, then the whole test set as a confusion matrix, sent to the
 * worker in chunks so the page stays responsive and shows its progress.
 * For data of two features (the quickstart's spirals), the model's decision
 * regions: a grid over the data's range predicted by the same worker, each
 * cell in its predicted class's colour (paler where the model is less sure),
 * with the test examples drawn over it in their true classes' colours.
 *
 * What it computed is in `window.__caviar.predictions`, for the browser
 * tests (which compare it with `caviar predict`) and the curious.
 */
import type { ExamplesHeader, PredictionsReply, PredictionsReport, PredictionsRequest, TrialDetail } from '../api-types.js';
import { getBytes } from './api.js';
import { chart } from './charts/echarts.js';
import { el, replace } from './dom.js';
import { duration, num } from './format.js';

/** Examples in the grid, per page. */
const PAGE_SIZE = 24;
/** Rows per message to the worker while the confusion matrix is computed. */
const CHUNK_ROWS = 1000;
/** Cells per side of the decision-regions grid. */
const REGION_CELLS = 60;
/** Class colours of the decision regions (they repeat past ten). */
const CLASS_COLORS = ['#2f6fde', '#d9822b', '#12a150', '#c2255c', '#7048e8', '#0c8599', '#e8590c', '#5c940d', '#862e9c', '#495057'];
/** Features shown for a row of CSV data (the rest are counted). */
const SHOWN_FEATURES = 8;

interface Examples {
  readonly header: ExamplesHeader;
  readonly labels: Int32Array; // [count]
  readonly x: Float32Array; // [count][features], raw values
}

/** The section's content, and how to stop its work when the page goes. */
export function predictionsPanel(t: TrialDetail): { element: HTMLElement; dispose(): void } {
  const status = el('p', { class: 'muted', id: 'predictions-status' }, 'Loading the model and caviar.wasm…');
  const grid = el('div', { class: 'examples', id: 'prediction-examples' });
  const pager = el('div', { class: 'pager' });
  const confusion = el('div', { class: 'scroll', id: 'confusion' });
  const regionsBox = el('div', { class: 'chart tall', id: 'chart-decision' });
  const regions = el('div', { hidden: true }, el('h3', {}, 'Decision regions'), regionsBox);
  const element = el('div', { id: 'predictions' },
    el('p', { class: 'small' }, 'Computed in this browser with caviar\'s WebAssembly backend (caviar.wasm, in a worker) from the trial\'s saved model, on the test set of the experiment its study recorded.'),
    status, grid, pager, el('h3', {}, 'Confusion matrix over the test set'), confusion, regions);
  const abort = new AbortController();
  const worker = new PredictionsWorker();
  const report: PredictionsReport = { backend: '', examples: [] };
  window.__caviar.predictions = report;
  let names: string[] = [];
  let total = 0;
  let shown = 0;

  const showPage = async (offset: number) => {
    shown = offset;
    const page = await fetchExamples(t.key, abort.signal, offset, PAGE_SIZE);
    const probabilities = page.header.count === 0 ? new Float32Array(0) : await worker.predict(page.x.slice()).then((r) => r.probabilities);
    if (abort.signal.aborted || shown !== offset) return;
    const classes = page.header.classes;
    report.examples = Array.from(page.labels, (label, i) => {
      const p = Array.from(probabilities.subarray(i * classes, (i + 1) * classes));
      return { index: offset + i, label, predicted: argmax(p), probabilities: p };
    });
    replace(grid, ...report.examples.map((e, i) => exampleCard(e, page.header, page.x.subarray(i * page.header.features, (i + 1) * page.header.features), names)));
    const last = Math.min(total, offset + PAGE_SIZE);
    replace(pager,
      el('button', { disabled: offset === 0, onclick: () => void showPage(Math.max(0, offset - PAGE_SIZE)).catch(fail) }, '← previous'),
      el('span', { class: 'muted' }, `test examples ${offset + 1}–${last} of ${total.toLocaleString('en')}`),
      el('button', { disabled: last >= total, onclick: () => void showPage(offset + PAGE_SIZE).catch(fail) }, 'next →'));
    window.__caviar.ready.predictionsGrid = performance.now();
  };

  const confusionMatrix = async () => {
    const all = await fetchExamples(t.key, abort.signal);
    const { classes, features } = all.header;
    const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
    const start = performance.now();
    let modelMs = 0;
    for (let from = 0; from < all.header.count; from += CHUNK_ROWS) {
      const to = Math.min(all.header.count, from + CHUNK_ROWS);
      const reply = await worker.predict(all.x.slice(from * features, to * features));
      if (abort.signal.aborted) return;
      modelMs += reply.ms;
      for (let i = from; i < to; i++) counts[all.labels[i]][argmax(reply.probabilities.subarray((i - from) * classes, (i - from + 1) * classes))]++;
      status.textContent = `Confusion matrix: ${to.toLocaleString('en')} of ${all.header.count.toLocaleString('en')} test examples…`;
    }
    const ms = performance.now() - start;
    const correct = counts.reduce((s, row, i) => s + row[i], 0);
    Object.assign(report, { confusion: counts, accuracy: correct / all.header.count, total: all.header.count, ms, modelMs });
    const recorded = typeof t.userAttrs.testAccuracy === 'number' ? t.userAttrs.testAccuracy : null;
    status.textContent = `Accuracy ${num(correct / all.header.count)} (${correct.toLocaleString('en')} of ${all.header.count.toLocaleString('en')})` +
      (recorded === null ? '' : `; recorded at training: ${num(recorded)}`) +
      ` · ${all.header.count.toLocaleString('en')} predictions in ${duration(ms)} (${duration(modelMs)} in the model) on the ${report.backend} backend · ${all.header.description}`;
    replace(confusion, confusionTable(counts, names));
    window.__caviar.ready.predictions = performance.now();
    return all;
  };

  const decisionRegions = async (all: Examples) => {
    const { features, classes } = all.header;
    if (features !== 2 || all.header.image || all.header.count === 0) return;
    // The data's range on each feature, 5% wider, cut into REGION_CELLS cells.
    const range = (f: number) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < all.header.count; i++) [lo, hi] = [Math.min(lo, all.x[2 * i + f]), Math.max(hi, all.x[2 * i + f])];
      const pad = (hi - lo || 1) * 0.05;
      return [lo - pad, hi + pad];
    };
    const [[x0, x1], [y0, y1]] = [range(0), range(1)];
    const [dx, dy] = [(x1 - x0) / REGION_CELLS, (y1 - y0) / REGION_CELLS];
    const centres = new Float32Array(REGION_CELLS * REGION_CELLS * 2); // [cells][2]
    for (let i = 0; i < REGION_CELLS; i++) {
      for (let j = 0; j < REGION_CELLS; j++) centres.set([x0 + (i + 0.5) * dx, y0 + (j + 0.5) * dy], 2 * (i * REGION_CELLS + j));
    }
    const { probabilities } = await worker.predict(centres);
    if (abort.signal.aborted) return;
    const cells: number[][] = [];
    for (let k = 0; k < REGION_CELLS * REGION_CELLS; k++) {
      const p = probabilities.subarray(k * classes, (k + 1) * classes);
      const c = argmax(p);
      const [i, j] = [Math.floor(k / REGION_CELLS), k % REGION_CELLS];
      cells.push([x0 + i * dx, x0 + (i + 1) * dx, y0 + j * dy, y0 + (j + 1) * dy, c, p[c]]);
    }
    regions.hidden = false;
    const featureName = (f: number) => all.header.featureNames?.[f] ?? `x${f + 1}`;
    chart('decision', regionsBox).draw({
      grid: { left: 56, right: 24, top: 36, bottom: 46 },
      legend: { top: 4, data: names.map((n) => n) },
      xAxis: { type: 'value', name: featureName(0), nameLocation: 'middle', nameGap: 28, min: x0, max: x1, axisLabel: { formatter: (v: number) => num(v, 3) } },
      yAxis: { type: 'value', name: featureName(1), nameLocation: 'middle', nameGap: 40, min: y0, max: y1, axisLabel: { formatter: (v: number) => num(v, 3) } },
      series: [
        {
          type: 'custom', name: 'predicted class', silent: true, data: cells, encode: { x: [0, 1], y: [2, 3] },
          renderItem: (_: unknown, api: { value(i: number): number; coord(p: number[]): number[] }) => {
            const [ax, ay] = api.coord([api.value(0), api.value(2)]);
            const [bx, by] = api.coord([api.value(1), api.value(3)]);
            // Paler where the model is less sure: opacity from a near tie (1 / classes) to certain (1).
            const sure = (api.value(5) - 1 / classes) / (1 - 1 / classes);
            return { type: 'rect', shape: { x: ax, y: by, width: bx - ax + 0.5, height: ay - by + 0.5 }, style: { fill: CLASS_COLORS[api.value(4) % CLASS_COLORS.length], opacity: 0.12 + 0.33 * sure } };
          },
        },
        ...names.map((n, c) => ({
          type: 'scatter', name: n, symbolSize: 5,
          data: Array.from(all.labels).flatMap((label, i) => (label === c ? [[all.x[2 * i], all.x[2 * i + 1]]] : [])),
          itemStyle: { color: CLASS_COLORS[c % CLASS_COLORS.length], borderColor: '#fff', borderWidth: 0.5 },
        })),
      ],
    });
    report.regions = { cells: cells.length, predicted: cells.map((c) => c[4]), range: [x0, x1, y0, y1] };
    window.__caviar.ready.decision = performance.now();
  };

  const fail = (e: unknown) => {
    if (abort.signal.aborted) return;
    replace(status, el('span', { class: 'error' }, `Could not compute the predictions: ${(e as Error).message}`));
  };

  const run = async () => {
    const [model, wasm, first] = await Promise.all([
      getBytes(`/api/trials/${t.key}/model`, abort.signal),
      getBytes('/caviar.wasm', abort.signal),
      fetchExamples(t.key, abort.signal, 0, 0),
    ]);
    const loaded = await worker.load(model, wasm, `trial-${t.number}.safetensors`);
    if (abort.signal.aborted) return;
    report.backend = loaded.backend;
    total = first.header.total;
    if (loaded.inputSize !== first.header.features || loaded.classes !== first.header.classes) {
      throw new Error(`the model takes ${loaded.inputSize} inputs into ${loaded.classes} classes, but the test examples have ${first.header.features} features and ${first.header.classes} classes`);
    }
    names = classNames(first.header, loaded.metadata, loaded.classes);
    status.textContent = `Model: ${loaded.inputSize} inputs → ${loaded.layers.join(' → ')} → ${loaded.classes} classes, on the ${loaded.backend} backend. Computing the confusion matrix…`;
    await showPage(0);
    const all = await confusionMatrix();
    if (all) await decisionRegions(all);
  };
  run().catch(fail);
  return {
    element,
    dispose() {
      abort.abort();
      worker.terminate();
    },
  };
}

/** The worker, as calls that each return its answer. */
class PredictionsWorker {
  private readonly worker = new Worker('/predictions.js');
  private next = 1;
  private readonly waiting = new Map<number, { resolve(r: PredictionsReply): void; reject(e: Error): void }>();

  constructor() {
    this.worker.onmessage = ({ data }: MessageEvent<PredictionsReply>) => {
      const call = this.waiting.get(data.id);
      this.waiting.delete(data.id);
      if (data.type === 'error') call?.reject(new Error(data.message));
      else call?.resolve(data);
    };
    this.worker.onerror = (e) => {
      for (const call of this.waiting.values()) call.reject(new Error(`the predictions worker failed: ${e.message}`));
      this.waiting.clear();
    };
  }

  async load(model: ArrayBuffer, wasm: ArrayBuffer, source: string) {
    return (await this.call({ type: 'load', id: this.next++, model, wasm, source }, [model, wasm])) as Extract<PredictionsReply, { type: 'loaded' }>;
  }

  /** Probabilities [count][classes] of raw inputs [count][features]; `x` is handed over (transferred). */
  async predict(x: Float32Array) {
    return (await this.call({ type: 'predict', id: this.next++, x }, [x.buffer as ArrayBuffer])) as Extract<PredictionsReply, { type: 'predicted' }>;
  }

  terminate(): void {
    this.worker.terminate();
    this.waiting.clear();
  }

  private call(request: PredictionsRequest, transfer: Transferable[]): Promise<PredictionsReply> {
    return new Promise((resolve, reject) => {
      this.waiting.set(request.id, { resolve, reject });
      this.worker.postMessage(request, transfer);
    });
  }
}

/** Reads `GET /api/trials/:key/examples` (the layout is in api-types.ts): the inputs as float32, exactly the values the data set holds. */
async function fetchExamples(key: string, signal: AbortSignal, offset?: number, limit?: number): Promise<Examples> {
  const range = offset === undefined ? '' : `?offset=${offset}&limit=${limit}`;
  const body = await getBytes(`/api/trials/${key}/examples${range}`, signal);
  const headerLength = new DataView(body).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(body, 4, headerLength))) as ExamplesHeader;
  const n = header.count * header.features;
  let at = 4 + headerLength;
  at += (4 - (at % 4)) % 4;
  const labels = new Int32Array(body, at, header.count);
  at += 4 * header.count;
  const x = header.values === 'uint8' ? Float32Array.from(new Uint8Array(body, at, n)) : new Float32Array(body.slice(at, at + 4 * n));
  return { header, labels, x };
}

function classNames(header: ExamplesHeader, metadata: Readonly<Record<string, string>>, classes: number): string[] {
  if (header.classNames?.length === classes) return [...header.classNames];
  try {
    const saved = JSON.parse(metadata.classNames ?? 'null') as unknown;
    if (Array.isArray(saved) && saved.length === classes) return saved.map(String);
  } catch {
    // Plain names below.
  }
  return Array.from({ length: classes }, (_, c) => `class ${c}`);
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
  return best;
}

/** One test example: the image drawn (or the row's values), its true label, the prediction and the top three probabilities. */
function exampleCard(e: PredictionsReport['examples'][number], header: ExamplesHeader, x: Float32Array, names: readonly string[]): HTMLElement {
  const right = e.predicted === e.label;
  const top = e.probabilities.map((p, c) => [p, c] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
  return el('div', { class: `example ${right ? 'right' : 'wrong'}`, 'data-index': e.index, 'data-label': e.label, 'data-predicted': e.predicted },
    header.image ? image(x, header.image.width, header.image.height) : row(x, header.featureNames),
    el('div', { class: 'small muted' }, `#${e.index} · true: `, el('b', {}, names[e.label])),
    el('div', { class: 'small prediction' }, right ? '✓ ' : '✗ ', names[e.predicted]),
    ...top.map(([p, c]) => {
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${Math.round(100 * p)}%`;
      return el('div', { class: 'prob small' }, el('span', { class: 'prob-name' }, names[c]), el('span', { class: 'num' }, `${(100 * p).toFixed(1)}%`), el('span', { class: 'track' }, bar));
    }));
}

/** Pixels 0..255, row by row, as grey levels. */
function image(x: Float32Array, width: number, height: number): HTMLCanvasElement {
  const canvas = el('canvas', { width, height, class: 'digit' });
  const context = canvas.getContext('2d');
  if (context) {
    const data = context.createImageData(width, height);
    for (let i = 0; i < width * height; i++) {
      const v = 255 - Math.max(0, Math.min(255, x[i])); // dark on light
      data.data.set([v, v, v, 255], 4 * i);
    }
    context.putImageData(data, 0, 0);
  }
  return canvas;
}

function row(x: Float32Array, featureNames: readonly string[] | null): HTMLElement {
  const shown = Math.min(x.length, SHOWN_FEATURES);
  return el('table', { class: 'facts features' }, el('tbody', {},
    ...Array.from({ length: shown }, (_, j) => el('tr', {}, el('th', {}, featureNames?.[j] ?? `x${j}`), el('td', { class: 'num' }, num(x[j])))),
    x.length > shown ? el('tr', {}, el('th', {}, '…'), el('td', { class: 'muted' }, `${x.length - shown} more`)) : null));
}

/** Rows: the true class; columns: the predicted class; the diagonal is right. Shaded by the share of each row. */
function confusionTable(counts: number[][], names: readonly string[]): HTMLTableElement {
  return el('table', { class: 'grid confusion' },
    el('thead', {}, el('tr', {}, el('th', {}, 'true ↓ predicted →'), ...names.map((n) => el('th', { class: 'num' }, n)), el('th', { class: 'num' }, 'recall'))),
    el('tbody', {}, ...counts.map((rowCounts, i) => {
      const rowTotal = rowCounts.reduce((a, b) => a + b, 0);
      return el('tr', {}, el('th', {}, names[i]), ...rowCounts.map((c, j) => {
        const cell = el('td', { class: `num${i === j ? ' diagonal' : ''}` }, c.toLocaleString('en'));
        const share = rowTotal === 0 ? 0 : c / rowTotal;
        if (c > 0) cell.style.backgroundColor = i === j ? `rgba(47, 111, 222, ${(0.15 + 0.85 * share).toFixed(3)})` : `rgba(201, 42, 42, ${Math.min(0.8, 0.1 + 2 * share).toFixed(3)})`;
        if (share > 0.5) cell.style.color = '#fff';
        return cell;
      }), el('td', { class: 'num muted' }, rowTotal === 0 ? '–' : num(rowCounts[i] / rowTotal, 3)));
    })));
}
