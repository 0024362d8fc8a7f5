/**
 * A study page open across a database crash that rolled back trials it had
 * shown: the live stream says only `reset`, and the page loads the study's
 * columns again and replaces what it holds (not merging: the lost trials
 * go), without reloading itself, then follows the changes after it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { StudySummary } from '../../src/dashboard/api-types.js';
import { MemoryStorage } from '../../src/tune/storage/memory.js';
import type { Storage } from '../../src/tune/storage/storage.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { CHROMIUM_NOTICE, charts, chromiumPath, launch, openPage, ready } from './browser.js';
import { makeStudy, SPACE } from './fixtures.js';
import { switchable, testDashboard, type TestDashboard } from './helpers.js';

const available = chromiumPath() !== undefined;
let browser: Browser;
let d: TestDashboard | undefined;

before(async () => {
  if (available) browser = await launch();
});

after(async () => {
  await browser?.close();
  await d?.close();
});

async function completeIn(storage: Storage, studyId: number): Promise<number> {
  return (await storage.trialsSince(studyId, 0)).trials.filter((t) => t.state === 'complete').length;
}

/** Waits until the history draws `n` complete trials. */
async function historyShows(page: Page, n: number): Promise<void> {
  await page.waitForFunction((k) => {
    const c = (globalThis as unknown as { __caviar: { charts(): Record<string, { series: { points: number }[] }> } }).__caviar.charts();
    return c.history?.series[0].points === k;
  }, n);
}

test('after a reset the page loads the study again: the trials the crash rolled back are gone, and it follows the changes after it', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const first = new MemoryStorage();
  const firstId = await makeStudy(first, { name: 'crash', trials: 40, running: true });
  const { storage, crash } = switchable(first);
  d = await testDashboard({ storage: [storage] });
  const [summary] = (await d.get<StudySummary[]>('/api/studies')).body;
  const { page, errors } = await openPage(browser);
  await page.goto(`${d.url}#/study/${summary.key}`);
  await ready(page, 'study');
  await historyShows(page, await completeIn(first, firstId));
  assert.equal((await charts(page)).curves.series[3].points, 3, 'the running trial\'s curve');
  await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));

  // The crash: the server now holds 12 trials of another seed, none running.
  const second = new MemoryStorage();
  const secondId = await makeStudy(second, { name: 'crash', trials: 12, seed: 2 });
  assert.equal(secondId, firstId);
  crash(second);
  const complete = await completeIn(second, secondId);
  await historyShows(page, complete);
  const c = await charts(page);
  assert.equal(c.curves.series[3].points, 0, 'the running trial the crash rolled back is gone');
  assert.equal(c.curves.series[0].points, complete * 12, 'the complete trials\' curves, 12 epochs each, none kept from before');
  assert.match(await page.locator('.summary').innerText(), new RegExp(`^idle maximize · ${complete} complete · `), 'the summary is the new study\'s');

  // Changes after the reset merge as before.
  const trial = (await second.claimTrial(secondId, { heartbeat: false }))!;
  await second.updateTrial(trial.id, {
    params: Object.entries({ learningRate: 0.01, beta: 0.95, hiddenUnits: 64, batchSize: 64, dropout: 0.1 }).map(([name, value]) => ({ name, value, distribution: SPACE[name] })),
    intermediate: [[1, 0.5], [2, 0.9]],
    finish: { state: 'complete', value: 0.9 },
  });
  await historyShows(page, complete + 1);
  assert.equal(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded), true, 'the page did not reload');
  assert.deepEqual(errors, []);
  await page.close();
});
