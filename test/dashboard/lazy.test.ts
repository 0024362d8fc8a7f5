/**
 * The study page draws a chart when it comes near the view (web/lazy.ts):
 * in a short window the charts far below are not drawn until scrolled to;
 * a live change redraws what is in view and leaves the rest stale, drawn
 * with the change when a person scrolls back to it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { StudyDetail, StudySummary } from '../../src/dashboard/api-types.js';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { CHROMIUM_NOTICE, charts, chromiumPath, launch, openPage, ready, see, type PageWindow } from './browser.js';
import { makeStudy, SPACE } from './fixtures.js';
import { testDashboard, type TestDashboard } from './helpers.js';

const available = chromiumPath() !== undefined;
let browser: Browser;
let storage: SqliteStorage;
let d: TestDashboard;

before(async () => {
  if (!available) return;
  const file = join(mkdtempSync(join(tmpdir(), 'caviar-dash-lazy-')), 'study.db');
  storage = await SqliteStorage.open(file);
  await makeStudy(storage, { name: 'lazy', trials: 40, running: true });
  d = await testDashboard({ storage: [storage] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d?.close();
  await storage?.close();
});

type Draws = Record<string, number>;
const draws = (page: import('playwright-core').Page) => page.evaluate(() => ({ ...(globalThis as unknown as PageWindow & { __caviar: { draws: Draws } }).__caviar.draws }));

test('charts far below the view are drawn when scrolled to; a live change redraws only what is in view and what it touches', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const [summary] = (await d.get<StudySummary[]>('/api/studies')).body;
  const detail = (await d.get<StudyDetail>(`/api/studies/${summary.key}`)).body;
  const running = detail.trials.find((x) => x.state === 'running')!;
  const { page, errors } = await openPage(browser);
  await page.setViewportSize({ width: 1400, height: 300 });
  await page.goto(`${d.url}#/study/${summary.key}`);
  await ready(page, 'study');
  let c = await charts(page);
  assert.ok(c.history?.drawn && c.curves?.drawn, 'the first screen is drawn');
  assert.equal(c.timeline, undefined, 'the timeline, screens below, is not drawn yet');
  assert.equal((await draws(page)).timeline, undefined);

  await see(page, '#chart-timeline');
  c = await charts(page);
  assert.ok(c.timeline?.drawn, 'drawn once scrolled to');
  // To the table, at the bottom. (Not the check above: from the table the timeline may be more than a screen
  // away, by how tall the panels between them are once drawn, and then it is rightly not drawn ahead.)
  await see(page, '#trials');
  const before = await draws(page);
  assert.equal(before.history, 1);

  // A new epoch of the running trial, while the page shows the table at the bottom.
  await storage.updateTrial(Number(running.key.split('-')[1]), { intermediate: [[running.steps.length + 1, 0.5]] });
  await page.waitForFunction((n) => ((globalThis as unknown as { __caviar: { draws: Draws } }).__caviar.draws.table ?? 0) > n, before.table);
  await page.waitForFunction(() => (globalThis as unknown as PageWindow).__caviar.settled?.() === true);
  assert.equal((await draws(page)).history, 1, 'the history, out of view, is not drawn again');

  // Back at the top: the curves are drawn again, with the new epoch; the history, which an epoch does not change, is not.
  await see(page, '#chart-curves');
  let now = await draws(page);
  assert.equal(now.curves, before.curves + 1);
  assert.equal(now.history, 1, 'an epoch of a running trial does not draw the history again');
  assert.equal((await charts(page)).curves.series[3].points, running.steps.length + 1, "the running trial's curve has the new epoch");

  // A new finished trial while the top is in view: the history is drawn again at once; parallel coordinates, drawn
  // before and near but out of the 300 px window, keep their older drawing until scrolled to.
  assert.equal(now.parallel, 1, 'parallel coordinates were drawn ahead at load');
  const [study] = await storage.listStudies();
  const trial = (await storage.claimTrial(study.id, { heartbeat: false }))!;
  await storage.updateTrial(trial.id, {
    params: Object.entries({ learningRate: 0.01, beta: 0.95, hiddenUnits: 64, batchSize: 64, dropout: 0.1 }).map(([name, value]) => ({ name, value, distribution: SPACE[name] })),
    intermediate: [[1, 0.5], [2, 0.9]],
    finish: { state: 'complete', value: 0.9 },
  });
  await page.waitForFunction(() => ((globalThis as unknown as { __caviar: { draws: Draws } }).__caviar.draws.history ?? 0) > 1);
  await page.waitForFunction(() => (globalThis as unknown as PageWindow).__caviar.settled?.() === true);
  now = await draws(page);
  assert.equal(now.parallel, 1, 'parallel coordinates, out of view, are not drawn again');
  assert.equal((await charts(page)).history.series[0].points, detail.summary.counts.complete + 1, 'the history has the new trial');
  await see(page, '#chart-parallel');
  assert.equal((await draws(page)).parallel, 2, 'drawn again once scrolled to');
  assert.deepEqual(errors, []);
  await page.close();
});
