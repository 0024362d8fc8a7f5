/**
 * Compare trials, in Chromium: a selection from the address, ticked in the
 * table or Shift-clicked on a chart; their curves overlaid, their values side
 * by side with the rows that differ marked, and the address kept in step.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { StudyDetail } from '../../src/dashboard/api-types.js';
import { param } from '../../src/dashboard/web/format.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { demoDashboard, type DemoDashboard, type TestDashboard } from './helpers.js';
import { CHROMIUM_NOTICE, charts, chromiumPath, openPage, ready, screenshot } from './browser.js';

const available = chromiumPath() !== undefined;
let demo: DemoDashboard;
let browser: Browser;
let d: TestDashboard;
let detail: StudyDetail;

before(async () => {
  if (!available) return;
  demo = await demoDashboard('compare', 12);
  ({ browser, d, detail } = demo);
});

after(async () => {
  await demo?.close();
});

/** What the compare panel shows: its curves (name and points of each), its columns, and each row's cells and whether it is marked as differing. */
function compared(page: Page): Promise<{ series: [string, number][]; columns: string[]; rows: Record<string, { cells: string[]; differs: boolean }> }> {
  return page.evaluate(`(() => {
    const c = window.__caviar.charts().compare;
    const rows = {};
    for (const tr of document.querySelectorAll('#compare-table tbody tr')) {
      rows[tr.dataset.row] = { cells: [...tr.querySelectorAll('td')].map((td) => td.textContent), differs: tr.classList.contains('differs') };
    }
    return {
      series: c ? c.series.map((s) => [s.name, s.points]) : [],
      columns: [...document.querySelectorAll('#compare-table thead th a')].map((a) => a.textContent),
      rows,
    };
  })()`) as never;
}

test('compare: trials from the address, the table and a chart; curves overlaid, differing rows marked, the address follows', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const { page, errors } = await openPage(browser);
  const key = detail.summary.key;
  const trial = (n: number) => detail.trials.find((x) => x.number === n)!;
  // Trials 0 and 1 (complete), 8 (pruned after 6 epochs): from the address.
  await page.goto(`${d.url}#/study/${key}?compare=8,0,1`);
  await ready(page, 'study');
  let seen = await compared(page);
  assert.deepEqual(seen.columns, ['trial 0', 'trial 1', 'trial 8']);
  assert.deepEqual(seen.series, [['trial 0', 12], ['trial 1', 12], ['trial 8', 6]], 'each curve with every epoch it reported');
  assert.equal(trial(8).state, 'pruned');
  assert.deepEqual(seen.rows.state, { cells: ['complete', 'complete', 'pruned'], differs: true });
  assert.deepEqual(seen.rows.epochs, { cells: ['12', '12', '6'], differs: true });
  assert.deepEqual(seen.rows.learningRate.cells, [0, 1, 8].map((n) => param(trial(n).params.learningRate)));
  assert.equal(seen.rows.learningRate.differs, true);
  // Ticked in the table: trial 2 joins, and the address says so.
  await page.locator('#trials input[data-compare="2"]').check();
  seen = await compared(page);
  assert.deepEqual(seen.columns, ['trial 0', 'trial 1', 'trial 2', 'trial 8']);
  assert.equal(new URL(page.url()).hash, `#/study/${key}?compare=0,1,2,8`);
  // Removed from the panel: trial 8 goes; the three complete trials agree on their state and epochs.
  await page.locator('#compare-table button[data-remove="8"]').click();
  seen = await compared(page);
  assert.deepEqual(seen.rows.state, { cells: ['complete', 'complete', 'complete'], differs: false });
  assert.deepEqual(seen.rows.epochs, { cells: ['12', '12', '12'], differs: false });
  assert.equal(await page.locator('#trials input[data-compare="8"]').isChecked(), false, 'its box in the table is cleared');
  await screenshot(page, 'compare');
  // Shift-click on the history's last dot: that trial joins (a plain click would open it).
  await page.locator('#chart-history').scrollIntoViewIfNeeded();
  const dot = await page.evaluate(`(() => {
    const c = window.__caviar.chart('history');
    const data = c.getModel().getSeriesByIndex(0).getData();
    const [x, y] = data.getItemLayout(data.count() - 1);
    const box = c.getDom().getBoundingClientRect();
    return { x: box.left + x, y: box.top + y };
  })()`) as { x: number; y: number };
  const lastComplete = Math.max(...detail.trials.filter((x) => x.state === 'complete').map((x) => x.number));
  await page.keyboard.down('Shift');
  await page.mouse.click(dot.x, dot.y);
  await page.keyboard.up('Shift');
  assert.match(new URL(page.url()).hash, new RegExp(`^#/study/${key}\\?compare=0,1,2,${lastComplete}$`));
  assert.ok((await compared(page)).columns.includes(`trial ${lastComplete}`));
  // The address opens the same comparison after a reload.
  await page.reload();
  await ready(page, 'study');
  assert.deepEqual((await compared(page)).columns, ['trial 0', 'trial 1', 'trial 2', `trial ${lastComplete}`]);
  // Cleared: the panel goes, and the address has no selection.
  await page.locator('#compare-clear').click();
  assert.equal(await page.locator('#compare').isVisible(), false);
  assert.equal(new URL(page.url()).hash, `#/study/${key}`);
  assert.ok((await charts(page)).history.drawn);
  assert.deepEqual(errors, []);
  await page.close();
});
