/**
 * A multi-objective study on the dashboard: the front the server sends is
 * the study's own (`study.bestTrials`), its hypervolume is `caviar show`'s,
 * a trial's model comes out as ONNX, and in Chromium the front chart holds
 * the front and a click on a point opens its trial, which shows its values.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { StudySummary, TrialDetail } from '../../src/dashboard/api-types.js';
import type { FrontAnswer } from '../../src/dashboard/front-types.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { createStudy, loadStudy } from '../../src/tune/study.js';
import { frontSummary } from '../../src/cli/front.js';
import { runCaviar } from '../helpers/cli.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { testDashboard, type TestDashboard } from './helpers.js';
import { CHROMIUM_NOTICE, chromiumPath, inPage, launch, openPage, ready } from './browser.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-dash-front-'));
const storage = join(dir, 'out', 'study.db');
let d: TestDashboard;
let key: string;
let singleKey: string;
let browser: Browser | undefined;

before(async () => {
  const path = join(dir, 'pareto.yaml');
  writeFileSync(path, [
    'name: pareto', 'seed: 5',
    'data: { source: blobs, classes: 3, perClass: 40, features: 4 }',
    'model: { hidden: [8] }',
    'train: { epochs: 2, batchSize: 16, optimizer: adam, learningRate: 0.02 }',
    `output: ${join(dir, 'out')}`,
    'tune:', '  trials: 10', '  sampler: random', '  pruner: none',
    '  objectives: [devAccuracy, paramCount]', "  constraints: ['paramCount <= 2000']",
    '  space:', '    hiddenUnits: { type: int, low: 4, high: 128, scale: log }', '    layers: { type: int, low: 1, high: 3 }',
  ].join('\n'));
  const tuned = await runCaviar(['tune', path]);
  assert.equal(tuned.code, 0, tuned.err);
  // And a single-objective study beside it, whose page has no front.
  const single = await createStudy({ name: 'single', storage, direction: 'minimize' });
  await single.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
  await single.close();
  d = await testDashboard({ storage });
  const listed = (await d.get<StudySummary[]>('/api/studies')).body;
  key = listed.find((s) => s.name === 'pareto')!.key;
  singleKey = listed.find((s) => s.name === 'single')!.key;
  if (chromiumPath() !== undefined) browser = await launch();
});

after(async () => {
  await browser?.close();
  await d?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the server sends the study\'s own front, and the hypervolume caviar show reports', async () => {
  const { status, body } = await d.get<FrontAnswer>(`/api/studies/${key}/front`);
  assert.equal(status, 200);
  const study = await loadStudy({ name: 'pareto', storage });
  try {
    assert.deepEqual([body.directions, body.names], [['maximize', 'minimize'], ['devAccuracy', 'paramCount']]);
    assert.deepEqual(body.points.map((p) => p.number), study.trials(['complete']).map((t) => t.number));
    assert.deepEqual(body.points.filter((p) => p.onFront).map((p) => p.number), study.bestTrials.map((t) => t.number));
    for (const p of body.points) assert.equal(p.feasible, p.values[1] <= 2000, `trial ${p.number}`);
    const shown = frontSummary(study)!;
    assert.deepEqual(body.reference, shown.reference);
    assert.ok(Math.abs(body.hypervolume.at(-1)![1] - shown.hypervolume) < 1e-12, `${body.hypervolume.at(-1)} vs ${shown.hypervolume}`);
    // The curve never falls: a front only grows in volume as trials finish.
    for (let i = 1; i < body.hypervolume.length; i++) assert.ok(body.hypervolume[i][1] >= body.hypervolume[i - 1][1] - 1e-12);
  } finally {
    await study.close();
  }
  // A single-objective study's answer says so, with no points (the page hides the card).
  const single = (await d.get<FrontAnswer>(`/api/studies/${singleKey}/front`)).body;
  assert.deepEqual([single.directions, single.points, single.hypervolume], [['minimize'], [], []]);
});

test('a trial of the front downloads as ONNX, the same network as its file', async () => {
  const front = (await d.get<FrontAnswer>(`/api/studies/${key}/front`)).body.points.filter((p) => p.onFront);
  const res = await fetch(`http://127.0.0.1:${d.port}/api/trials/${front[0].key}/onnx`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`trial-${front[0].number}\\.onnx`));
  const { model, metadata } = importOnnx(new Uint8Array(await res.arrayBuffer()), 'download');
  assert.equal(model.inputSize, 4);
  assert.equal(metadata.trial, String(front[0].number), 'the ONNX file records its trial, as caviar export writes it');
  const detail = (await d.get<TrialDetail>(`/api/trials/${front[0].key}`)).body;
  assert.deepEqual([detail.objectiveNames, detail.objectiveValues], [['devAccuracy', 'paramCount'], front[0].values]);
});

test('in Chromium: the front chart holds the front, and a click on a point opens its trial', async (t) => {
  if (!requireOrSkip(t, browser !== undefined, CHROMIUM_NOTICE)) return;
  const answer = (await d.get<FrontAnswer>(`/api/studies/${key}/front`)).body;
  const { page, errors } = await openPage(browser!);
  await page.goto(`${d.url}#/study/${key}`);
  await ready(page, 'study');
  await page.locator('#front-panel[data-objectives="2"]').waitFor({ state: 'attached' });
  assert.equal(await page.locator('#front-panel').isVisible(), true, 'the front card for two objectives');
  await page.waitForFunction(() => (globalThis as unknown as { __caviar: { chart(id: string): unknown } }).__caviar.chart('hypervolume') !== undefined);
  const series = await inPage<{ name: string; data: number[][] }[]>(page, `chart('front').getOption().series.map((s) => ({ name: s.name, data: s.data }))`);
  const front = series.find((s) => s.name === 'Pareto front')!;
  assert.deepEqual(front.data.map((p) => p[2]).sort((a, b) => a - b), answer.points.filter((p) => p.onFront).map((p) => p.number));
  assert.deepEqual(
    series.find((s) => s.name === 'infeasible')!.data.map((p) => p[2]).sort((a, b) => a - b),
    answer.points.filter((p) => !p.feasible).map((p) => p.number),
  );
  assert.deepEqual(await inPage(page, `[chart('front').getOption().xAxis[0].name, chart('front').getOption().yAxis[0].name]`), ['devAccuracy (max)', 'paramCount (min)']);
  assert.match(await page.locator('#front-note').textContent() ?? '', new RegExp(`${answer.points.length} complete trials, ${front.data.length} on the Pareto front`));
  // Click the first front point where ECharts drew it.
  const [x, y] = await inPage<number[]>(page, `chart('front').convertToPixel({ seriesIndex: 0 }, chart('front').getOption().series[0].data[0].slice(0, 2))`);
  const box = (await page.locator('#chart-front').boundingBox())!;
  await page.mouse.click(box.x + x, box.y + y);
  await ready(page, 'trial');
  const number = front.data[0][2];
  assert.match(page.url(), new RegExp(`#/trial/${answer.points.find((p) => p.number === number)!.key}$`));
  assert.match(await page.locator('#objective-values').textContent() ?? '', /^devAccuracy [\d.]+, paramCount \d+$/);
  assert.equal(await page.locator('#download-onnx').count(), 1);
  await page.goto(`${d.url}#/study/${singleKey}`);
  await ready(page, 'study');
  await page.locator('#front-panel[data-objectives="1"]').waitFor({ state: 'attached' });
  assert.equal(await page.locator('#front-panel').isHidden(), true, 'no front card for one objective');
  assert.deepEqual(errors, []);
});
