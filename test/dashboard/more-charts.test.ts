/**
 * The contour, the empirical distribution of values and the timeline of
 * trials per worker, in Chromium: what each chart holds and on which axes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';
import type { StudyDetail, StudySummary } from '../../src/dashboard/api-types.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { makeStudy, SPACE } from './fixtures.js';
import { testDashboard, type TestDashboard } from './helpers.js';
import { CHROMIUM_NOTICE, charts, chromiumPath, inPage, launch, openPage, ready, screenshot, see } from './browser.js';

const available = chromiumPath() !== undefined;
const dir = mkdtempSync(join(tmpdir(), 'caviar-dash-more-'));
let browser: Browser;
let d: TestDashboard;
let storage: SqliteStorage;
const studies: Record<string, StudyDetail> = {};

before(async () => {
  if (!available) return;
  storage = await SqliteStorage.open(join(dir, 'study.db'));
  await makeStudy(storage, { name: 'demo', trials: 40 });
  // Two workers, two trials each, that recorded who ran them; and two trials that ran at once and recorded nobody.
  const workers = await storage.createStudy({ name: 'workers', direction: 'maximize' });
  const claimed = [];
  for (let i = 0; i < 6; i++) claimed.push((await storage.claimTrial(workers.id, { heartbeat: false }))!);
  // Times are in milliseconds: the last claim and the first finish must not share one.
  await new Promise((r) => setTimeout(r, 20));
  for (const [i, t] of claimed.entries()) {
    await storage.updateTrial(t.id, {
      params: [{ name: 'learningRate', value: 10 ** -(1 + i / 3), distribution: SPACE.learningRate }],
      ...(i < 4 ? { systemAttrs: { worker: { host: i % 2 === 0 ? 'alpha' : 'beta', pid: 100 + (i % 2), slot: 0 } } } : {}),
      finish: i === 3 ? { state: 'failed', reason: 'on purpose' } : { state: 'complete', value: 0.5 + i / 20 },
    });
  }
  d = await testDashboard({ storage: join(dir, 'study.db') });
  for (const s of (await d.get<StudySummary[]>('/api/studies')).body) studies[s.name] = (await d.get<StudyDetail>(`/api/studies/${s.key}`)).body;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d?.close();
  await storage?.close();
});


test('contour on the parameters\' own scales, the distribution of values, a timeline of one lane for trials run one after another', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const { page, errors } = await openPage(browser);
  const demo = studies.demo;
  await page.goto(`${d.url}#/study/${demo.summary.key}`);
  await ready(page, 'study');
  // Below the first screen: drawn when scrolled to.
  await see(page, '#chart-contour');
  await see(page, '#chart-timeline');
  const c = await charts(page);
  const complete = demo.trials.filter((x) => x.state === 'complete');
  assert.deepEqual(c.contour.series.map((s) => s.points), [28 * 28, complete.length], 'a 28 x 28 surface and every complete trial');
  const axes = await inPage<string[][]>(page, `['xAxis', 'yAxis'].map((k) => { const a = chart('contour').getOption()[k][0]; return [a.name, a.type, String(!!a.inverse)]; })`);
  assert.deepEqual(axes, [['learningRate (log)', 'log', 'false'], ['beta (1 − β scale)', 'log', 'true']]);
  // The surface stays within the trials' values (a weighted mean of them), and is darker (better) near the best trial.
  const surface = await inPage<number[][]>(page, `chart('contour').getOption().series[0].data`);
  const values = complete.map((x) => x.value!);
  for (const cell of surface) assert.ok(cell[4] >= Math.min(...values) - 1e-9 && cell[4] <= Math.max(...values) + 1e-9);
  // Another pair from the selects: dropout (linear) on y.
  await page.locator('#contour-controls select[data-axis="y"]').selectOption('dropout');
  assert.deepEqual(await inPage(page, `[chart('contour').getOption().yAxis[0].name, chart('contour').getOption().yAxis[0].type]`), ['dropout', 'value']);
  assert.deepEqual(await page.locator('#contour-controls select[data-axis="y"] option').allTextContents(), ['learningRate', 'beta', 'hiddenUnits', 'dropout'], 'no categorical parameter');

  const edf = await inPage<number[][]>(page, `chart('distribution').getOption().series[0].data`);
  assert.deepEqual(edf[0], [Math.min(...values), 0]);
  assert.deepEqual(edf.at(-1), [Math.max(...values), 1]);
  assert.equal(edf.length, new Set(values).size + 1);
  assert.equal(await inPage(page, `chart('distribution').getOption().xAxis[0].name`), 'devAccuracy');

  // The fixture runs trials one after another, recording no worker: one lane.
  assert.equal(c.timeline.series.reduce((n, x) => n + x.points, 0), demo.trials.filter((x) => x.startedAt !== null).length, 'a bar per trial');
  assert.deepEqual(c.timeline.series.map((x) => [x.name, x.points]), [['complete', 32], ['pruned', 7], ['failed', 1], ['running', 0], ['waiting', 0]]);
  assert.deepEqual(await inPage(page, `chart('timeline').getOption().yAxis[0].data`), ['lane 1']);
  assert.match((await page.locator('#timeline-note').textContent())!, /no trial recorded its worker/);
  await screenshot(page, 'more-charts');
  assert.deepEqual(errors, []);
  await page.close();
});

test('timeline: a lane per recorded worker, trials that ran at once without one on lanes of their own, states coloured; the trial page names its worker', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const { page, errors } = await openPage(browser);
  await page.goto(`${d.url}#/study/${studies.workers.summary.key}`);
  await ready(page, 'study');
  await see(page, '#chart-timeline');
  const lanes = await inPage<string[]>(page, `chart('timeline').getOption().yAxis[0].data`);
  // The six were claimed before any finished: the two unnamed ones overlap, so they take two lanes.
  assert.deepEqual(lanes, ['alpha pid 100 slot 0', 'beta pid 101 slot 0', 'lane 1', 'lane 2']);
  // A bar per trial, coloured by state: five complete, the failed one.
  assert.deepEqual((await charts(page)).timeline.series.map((x) => x.points), [5, 0, 1, 0, 0]);
  assert.match((await page.locator('#timeline-note').textContent())!, /^6 trials on 4 workers/);
  assert.deepEqual(errors, []);
  await page.close();
  // The trial page says who ran it, in the timeline's words; a trial that recorded nobody says so.
  for (const [n, worker] of [[1, 'beta pid 101 slot 0'], [5, 'not recorded']] as const) {
    const trialPage = await openPage(browser);
    await trialPage.page.goto(`${d.url}#/trial/${studies.workers.trials[n].key}`);
    await ready(trialPage.page, 'trial');
    assert.equal(await trialPage.page.locator('#trial-worker').textContent(), worker, `trial ${n}`);
    assert.deepEqual(trialPage.errors, []);
    await trialPage.page.close();
  }
});
