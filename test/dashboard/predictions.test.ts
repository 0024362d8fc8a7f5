/**
 * The trial page's predictions in real headless Chromium: studies made by
 * `caviar tune` (a small Fashion-MNIST run and a CSV data set), their trial
 * pages computing the model's predictions in the browser on caviar's
 * WebAssembly backend, compared with `caviar predict` on exactly the same
 * examples (written to an IDX or CSV file): the same classes, probabilities
 * within 1e-6, and a confusion matrix whose accuracy is the trial's recorded
 * test accuracy. Screenshot: test-artifacts/dashboard/trial-predictions.png.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { runCaviar as run } from '../helpers/cli.js';
import type { ExamplesHeader, PredictionsReport, StudyDetail, StudySummary, TrialDetail } from '../../src/dashboard/api-types.js';
import { fashionMnistAvailable } from '../../src/data/fashion-mnist.js';
import type { Dataset } from '../../src/data/dataset.js';
import { loadSplits } from '../../src/experiment/data.js';
import { readExperiment } from '../../src/experiment/spec.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { CHROMIUM_NOTICE, chromiumPath, launch, openPage, ready, screenshot } from './browser.js';
import { testDashboard, type TestDashboard } from './helpers.js';

const chromium = chromiumPath() !== undefined;
const fashionMnist = fashionMnistAvailable() !== null;
const FASHION_NOTICE = 'Fashion-MNIST not found (apt-get install dataset-fashion-mnist)';
const dir = mkdtempSync(join(tmpdir(), 'caviar-dash-predictions-'));
const storagePath = join(dir, 'study.db');
const experiments: Record<string, string> = {};
let browser: Browser;
let d: TestDashboard;


/** An experiment file tuned for one trial into the shared storage. */
async function tune(name: string, lines: string[]): Promise<void> {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, [`name: ${name}`, 'seed: 3', ...lines, `output: ${join(dir, name)}`, 'tune: { trials: 1, sampler: random, pruner: none }'].join('\n'));
  const r = await run(['tune', path, '--storage', storagePath]);
  assert.equal(r.code, 0, r.err);
  experiments[name] = path;
}

/** Three classes of flowers by four measurements, with string labels: a CSV file as people have them. */
function writeFlowers(path: string): void {
  const species = ['setosa', 'versicolor', 'virginica'];
  const lines = ['sepal_length,sepal_width,species,petal_length,petal_width'];
  let s = 7;
  const u = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 240; i++) {
    const c = i % 3;
    const f = [5 + c * 0.9 + u(), 3.4 - c * 0.3 + 0.6 * u(), 1.4 + c * 2 + u(), 0.2 + c * 0.8 + 0.5 * u()].map((v) => v.toFixed(2));
    lines.push([f[0], f[1], species[c], f[2], f[3]].join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

before(async () => {
  if (!chromium) return;
  writeFlowers(join(dir, 'flowers.csv'));
  await tune('flowers', [
    `data: { source: csv, path: ${join(dir, 'flowers.csv')}, label: species, test: 0.25 }`,
    'model: { hidden: [8] }',
    'train: { epochs: 20, batchSize: 16, learningRate: 0.05 }',
  ]);
  // Two features: the page adds the model's decision regions.
  await tune('spirals', [
    'data: { source: spirals, classes: 3, perClass: 80 }',
    'model: { hidden: [16] }',
    'train: { epochs: 15, batchSize: 16, learningRate: 0.05 }',
  ]);
  if (fashionMnist) {
    // A short run on a subset of the training images; the test set is all 10,000.
    await tune('fashion', [
      'data: { source: fashion-mnist, limit: 3000, dev: 500 }',
      'model: { hidden: [32], batchNorm: true }',
      'train: { epochs: 1, batchSize: 64 }',
    ]);
  }
  d = await testDashboard({ storage: storagePath });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function trialOf(studyName: string): Promise<TrialDetail> {
  const key = (await d.get<StudySummary[]>('/api/studies')).body.find((s) => s.name === studyName)!.key;
  const study = (await d.get<StudyDetail>(`/api/studies/${key}`)).body;
  return (await d.get<TrialDetail>(`/api/trials/${study.trials[0].key}`)).body;
}

/** `caviar predict MODEL FILE --format json`: each row's probabilities, as float32 values, and each row's predicted class name. */
async function caviarPredict(model: string, file: string): Promise<{ probabilities: number[][]; classes: string[] }> {
  const probabilitiesOut = join(dir, 'probabilities.jsonl');
  const classesOut = join(dir, 'classes.jsonl');
  for (const [out, extra] of [[probabilitiesOut, []], [classesOut, ['--classes']]] as const) {
    const r = await run(['predict', model, file, '--format', 'json', '--out', out, ...extra]);
    assert.equal(r.code, 0, r.err);
  }
  const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  return {
    probabilities: lines(probabilitiesOut).map((r: { probabilities: number[] }) => r.probabilities.map(Math.fround)),
    classes: lines(classesOut).map((r: { class: string | number }) => String(r.class)),
  };
}

/**
 * Opens the trial page, waits for its predictions, and checks them against
 * `caviar predict` on the same examples (written by `writeExamples`).
 * Returns the report and the largest difference of a probability.
 */
async function checkPage(trial: TrialDetail, test: Dataset, writeExamples: (indices: number[]) => string) {
  const { page, errors } = await openPage(browser);
  await page.goto(`${d.urlWithToken}`);
  await page.goto(`${d.url}#/trial/${trial.key}`);
  await ready(page, 'predictions');
  const report = await page.evaluate(() => (globalThis as unknown as { __caviar: { predictions: PredictionsReport } }).__caviar.predictions);
  // Cross-origin isolated, as Firefox and Safari require for the wasm backend's shared memory.
  assert.equal(await page.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated), true);
  assert.equal(report.backend, 'wasm', "caviar's WebAssembly backend, in the page");
  assert.deepEqual(report.examples.map((e) => e.index), report.examples.map((_, i) => i), 'the first page of test examples');
  assert.deepEqual(report.examples.map((e) => e.label), report.examples.map((e) => test.y[e.index]), 'their true labels');

  const names = test.classNames ?? [];
  const predicted = await caviarPredict(String(trial.userAttrs.model), writeExamples(report.examples.map((e) => e.index)));
  let maxDiff = 0;
  report.examples.forEach((e, i) => {
    assert.equal(names[e.predicted], predicted.classes[i], `example ${e.index}: the same class`);
    assert.equal(e.probabilities.length, predicted.probabilities[i].length);
    e.probabilities.forEach((p, c) => (maxDiff = Math.max(maxDiff, Math.abs(p - predicted.probabilities[i][c]))));
  });
  assert.ok(maxDiff <= 1e-6, `probabilities within 1e-6 of caviar predict (largest difference ${maxDiff})`);

  // The confusion matrix: every test example once, and the accuracy the trial recorded.
  const counts = report.confusion!.flat().reduce((a, b) => a + b, 0);
  assert.equal(counts, test.count);
  assert.equal(report.total, test.count);
  assert.equal(report.accuracy, trial.userAttrs.testAccuracy, 'the page\'s accuracy over the test set is the recorded testAccuracy');
  assert.equal(await page.locator('#prediction-examples .example').count(), report.examples.length);
  assert.match((await page.locator('#predictions').textContent())!, /Computed in this browser with caviar's WebAssembly backend/);
  assert.deepEqual(errors, []);
  return { page, report, maxDiff };
}

test('Fashion-MNIST: the trial page draws test images with predictions computed in the browser, equal to caviar predict, and a confusion matrix', async (t) => {
  if (!requireOrSkip(t, chromium, CHROMIUM_NOTICE) || !requireOrSkip(t, fashionMnist, FASHION_NOTICE)) return;
  const trial = await trialOf('fashion');
  assert.equal(trial.state, 'complete');
  const exp = readExperiment(experiments.fashion);
  const { test: testSet } = loadSplits(exp.data, exp.seed);
  const { page, report, maxDiff } = await checkPage(trial, testSet, (indices) => {
    // The examples as an IDX images file (magic 0x00000803, [n][28][28] bytes), as `caviar predict` reads Fashion-MNIST.
    const file = join(dir, 'examples-idx3-ubyte');
    const head = Buffer.alloc(16);
    head.writeUInt32BE(0x00000803, 0);
    head.writeUInt32BE(indices.length, 4);
    head.writeUInt32BE(28, 8);
    head.writeUInt32BE(28, 12);
    const pixels = Buffer.from(indices.flatMap((i) => Array.from(testSet.x.subarray(i * 784, (i + 1) * 784))));
    writeFileSync(file, Buffer.concat([head, pixels]));
    return file;
  });
  assert.equal(await page.locator('#prediction-examples canvas.digit').count(), report.examples.length, 'each example drawn');
  assert.equal(await page.locator('table.confusion tbody tr').count(), 10);
  await screenshot(page, 'trial-predictions');
  t.diagnostic(`Fashion-MNIST: largest difference from caviar predict ${maxDiff}; ${report.total} test predictions in the page in ${report.ms!.toFixed(0)} ms (${report.modelMs!.toFixed(0)} ms in the model); accuracy ${report.accuracy}`);
  await page.close();
});

test('CSV data: the trial page shows test rows with predictions equal to caviar predict, and a confusion matrix', async (t) => {
  if (!requireOrSkip(t, chromium, CHROMIUM_NOTICE)) return;
  const trial = await trialOf('flowers');
  const exp = readExperiment(experiments.flowers);
  const { test: testSet } = loadSplits(exp.data, exp.seed);
  const { page, report, maxDiff } = await checkPage(trial, testSet, (indices) => {
    const file = join(dir, 'examples.csv');
    const rows = indices.map((i) => Array.from(testSet.x.subarray(i * testSet.features, (i + 1) * testSet.features), String).join(','));
    writeFileSync(file, [testSet.featureNames!.join(','), ...rows].join('\n') + '\n');
    return file;
  });
  assert.equal(await page.locator('#prediction-examples table.features').count(), report.examples.length, 'each row shown');
  assert.match((await page.locator('#prediction-examples .example').first().textContent())!, /sepal_length/);
  await screenshot(page, 'trial-predictions-csv');
  // The next page of the grid: rows 24-47, predicted on arrival.
  await page.locator('#predictions button', { hasText: 'next' }).click();
  await page.waitForFunction(() => (globalThis as unknown as { __caviar: { predictions: PredictionsReport } }).__caviar.predictions.examples[0]?.index === 24);
  assert.equal(await page.locator('#prediction-examples .example').first().getAttribute('data-index'), '24');
  t.diagnostic(`CSV: largest difference from caviar predict ${maxDiff}; ${report.total} test rows in ${report.ms!.toFixed(0)} ms`);
  await page.close();
});

test('GET /api/trials/:key/examples: a page of the test set as binary, whole without a range; clear refusals', async (t) => {
  if (!requireOrSkip(t, chromium, CHROMIUM_NOTICE)) return;
  const trial = await trialOf('flowers');
  const exp = readExperiment(experiments.flowers);
  const { test: testSet } = loadSplits(exp.data, exp.seed);
  const read = async (query: string) => {
    const res = await fetch(`${d.url}api/trials/${trial.key}/examples${query}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    const body = Buffer.from(await res.arrayBuffer());
    const length = body.readUInt32LE(0);
    const header = JSON.parse(body.subarray(4, 4 + length).toString('utf8')) as ExamplesHeader;
    const at = 4 + length + ((4 - ((4 + length) % 4)) % 4);
    const labels = new Int32Array(body.buffer.slice(body.byteOffset + at, body.byteOffset + at + 4 * header.count));
    const x = new Float32Array(body.buffer.slice(body.byteOffset + at + 4 * header.count, body.byteOffset + body.length));
    return { header, labels, x };
  };
  const all = await read('');
  assert.deepEqual({ ...all.header, description: '' }, {
    offset: 0, count: testSet.count, total: testSet.count, features: 4, classes: 3, classNames: ['setosa', 'versicolor', 'virginica'],
    featureNames: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], image: null, values: 'float32', description: '',
  });
  assert.deepEqual(all.labels, testSet.y);
  assert.deepEqual(all.x, testSet.x);
  const some = await read('?offset=10&limit=5');
  assert.equal(some.header.offset, 10);
  assert.deepEqual(some.x, testSet.x.subarray(40, 60));
  assert.equal((await read(`?offset=${testSet.count}`)).header.count, 0);
  for (const bad of ['?offset=-1', '?limit=abc', `?offset=${testSet.count + 1}`, '?offset=1e3']) {
    assert.equal((await d.raw(`/api/trials/${trial.key}/examples${bad}`)).status, 400, bad);
  }
  assert.equal((await d.raw('/api/trials/0-99999/examples')).status, 404);
});

test('a study with no recorded experiment, or whose data is gone, answers a clear 4xx', async (t) => {
  if (!requireOrSkip(t, chromium, CHROMIUM_NOTICE)) return;
  const { SqliteStorage } = await import('../../src/tune/storage/sqlite.js');
  const storage = await SqliteStorage.open(join(dir, 'other.db'));
  try {
    const bare = await storage.createStudy({ name: 'bare', direction: 'maximize' });
    const trial = (await storage.claimTrial(bare.id, { heartbeat: false }))!;
    await storage.updateTrial(trial.id, { finish: { state: 'complete', value: 1 } });
    const gone = await storage.createStudy({ name: 'gone', direction: 'maximize' });
    await storage.updateStudy(gone.id, { data: { experiment: { data: { source: 'csv', path: join(dir, 'no-such.csv'), label: 'y' }, model: { hidden: [4] } }, source: join(dir, 'gone.yaml') } });
    const lost = (await storage.claimTrial(gone.id, { heartbeat: false }))!;
    await storage.updateTrial(lost.id, { finish: { state: 'complete', value: 1 } });
    const other = await testDashboard({ storage: join(dir, 'other.db') });
    try {
      const none = await other.get<{ error: string }>(`/api/trials/0-${trial.id}/examples`);
      assert.equal(none.status, 404);
      assert.match(none.body.error, /study 'bare' has no recorded experiment/);
      assert.equal((await other.get<TrialDetail>(`/api/trials/0-${trial.id}`)).body.hasExperiment, false);
      const missing = await other.get<{ error: string }>(`/api/trials/0-${lost.id}/examples`);
      assert.equal(missing.status, 422);
      assert.match(missing.body.error, /study 'gone': its test data cannot be loaded: .*no-such\.csv/);
    } finally {
      await other.close();
    }
  } finally {
    await storage.close();
  }
});

test("a trial whose model file records another study: the page shows the refusal, never that model's predictions", async (t) => {
  if (!requireOrSkip(t, chromium, CHROMIUM_NOTICE)) return;
  const trial = await trialOf('flowers');
  const path = String(trial.userAttrs.model);
  const good = readFileSync(path);
  const { loadModelWithMetadata, saveModel } = await import('../../src/io/model-file.js');
  const { model, metadata } = loadModelWithMetadata(path);
  // The same study name and trial number, another uid: what another storage's study of this name would have written here.
  saveModel(model, path, { ...metadata, studyUid: 'ffff0000' });
  try {
    const { page, errors } = await openPage(browser);
    await page.goto(`${d.urlWithToken}`);
    await page.goto(`${d.url}#/trial/${trial.key}`);
    await ready(page, 'trial');
    const refusal = `is not the model of trial ${trial.number} of study 'flowers': it records study 'flowers' (uid ffff0000), trial ${trial.number}; this study's uid is `;
    await page.locator('#predictions-refused').waitFor();
    assert.ok((await page.locator('#predictions-refused').textContent())!.includes(refusal));
    assert.ok((await page.locator('#model-refused').textContent())!.includes(`${path} ${refusal}`));
    assert.equal(await page.locator('#download-model').count(), 0, 'no download of the wrong model');
    assert.equal(await page.locator('#prediction-examples').count(), 0, 'no predictions computed with it');
    await screenshot(page, 'trial-model-refused');
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    writeFileSync(path, good);
  }
});

test('two features (spirals): the decision regions, a grid over the data predicted in the page, equal to caviar predict on its cells', async (t) => {
  if (!requireOrSkip(t, chromium, CHROMIUM_NOTICE)) return;
  const trial = await trialOf('spirals');
  const { page, errors } = await openPage(browser);
  await page.goto(`${d.url}#/trial/${trial.key}`);
  await ready(page, 'decision');
  const report = await page.evaluate(() => (globalThis as unknown as { __caviar: { predictions: PredictionsReport } }).__caviar.predictions);
  const regions = report.regions!;
  assert.equal(regions.cells, 60 * 60);
  assert.equal(new Set(regions.predicted).size, 3, 'the model tells three classes apart somewhere on the plane');
  // A few cells, by their centres, through caviar predict: the same class as the page's.
  const [x0, x1, y0, y1] = regions.range;
  const cells = [0, 1234, 1830, 2999, 3599];
  const centre = (k: number) => [x0 + (Math.floor(k / 60) + 0.5) * (x1 - x0) / 60, y0 + ((k % 60) + 0.5) * (y1 - y0) / 60].map((v) => Math.fround(v));
  const file = join(dir, 'cells.csv');
  writeFileSync(file, ['x1,x2', ...cells.map((k) => centre(k).join(','))].join('\n') + '\n');
  const predicted = await caviarPredict(String(trial.userAttrs.model), file);
  assert.deepEqual(predicted.probabilities.map((p) => p.indexOf(Math.max(...p))), cells.map((k) => regions.predicted[k]));
  const c = await page.evaluate(() => (globalThis as unknown as { __caviar: { charts(): Record<string, { series: { name: string; points: number }[] }> } }).__caviar.charts().decision);
  assert.equal(c.series[0].points, 3600);
  assert.equal(c.series.slice(1).reduce((n, s) => n + s.points, 0), report.total, 'every test example drawn over the regions');
  await screenshot(page, 'trial-decision-regions');
  assert.deepEqual(errors, []);
  await page.close();
});
