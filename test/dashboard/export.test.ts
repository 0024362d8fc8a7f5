/**
 * Taking things out, in Chromium: the trials the table shows as CSV and JSON
 * (filtered and in its order, every page of them), a chart as PNG and SVG,
 * and an address that brings back the filter, the order, the trials compared
 * and the contour's pair.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Download, Page } from 'playwright-core';
import type { StudyDetail } from '../../src/dashboard/api-types.js';
import { csvField } from '../../src/dashboard/web/export.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { demoDashboard, type DemoDashboard, type TestDashboard } from './helpers.js';
import { CHROMIUM_NOTICE, chromiumPath, openPage, ready, see } from './browser.js';

const available = chromiumPath() !== undefined;
let demo: DemoDashboard;
let browser: Browser;
let d: TestDashboard;
let detail: StudyDetail;
let dir: string;

before(async () => {
  if (!available) return;
  demo = await demoDashboard('export', 80);
  ({ browser, d, detail, dir } = demo);
});

after(async () => {
  await demo?.close();
});

async function saved(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [download] = (await Promise.all([page.waitForEvent('download'), click()])) as [Download, void];
  const path = join(dir, download.suggestedFilename());
  await download.saveAs(path);
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

test('csvField: quotes what needs it, and keeps a formula-like text as text', () => {
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('=cmd()'), "'=cmd()");
  assert.equal(csvField(-0.5), '-0.5');
  assert.equal(csvField(null), '');
});

test('the table as CSV and JSON: what the filter keeps, in the table\'s order, all pages; a chart as PNG and SVG', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const { page, errors } = await openPage(browser);
  await page.goto(`${d.url}#/study/${detail.summary.key}`);
  await ready(page, 'study');
  await page.locator('.table-tools select').first().selectOption('complete');
  await page.locator('.table-tools select').nth(1).selectOption('25');
  await page.locator('#trials th[data-sort="value"]').click();
  const complete = detail.trials.filter((x) => x.state === 'complete');
  const expected = [...complete].sort((a, b) => b.value! - a.value! || a.number - b.number).map((x) => x.number);
  assert.ok(complete.length > 25, 'more than one page');

  const csv = await saved(page, () => page.locator('button[data-export="csv"]').click());
  assert.equal(csv.name, 'demo-trials.csv');
  const lines = csv.bytes.toString('utf8').trim().split('\n');
  assert.equal(lines[0], 'number,state,devAccuracy,startedAt,completedAt,durationSeconds,params.learningRate,params.beta,params.hiddenUnits,params.batchSize,params.dropout,testAccuracy,worker');
  assert.deepEqual(lines.slice(1).map((l) => Number(l.split(',')[0])), expected);
  const first = detail.trials.find((x) => x.number === expected[0])!;
  const cells = lines[1].split(',');
  assert.deepEqual([cells[1], Number(cells[2]), Number(cells[6])], ['complete', first.value, first.params.learningRate]);

  const json = await saved(page, () => page.locator('button[data-export="json"]').click());
  assert.equal(json.name, 'demo-trials.json');
  const parsed = JSON.parse(json.bytes.toString('utf8')) as { metric: string; trials: { number: number; value: number; 'params.batchSize': number }[] };
  assert.equal(parsed.metric, 'devAccuracy');
  assert.deepEqual(parsed.trials.map((x) => x.number), expected);
  assert.equal(parsed.trials[0]['params.batchSize'], first.params.batchSize);

  const png = await saved(page, () => page.locator('#chart-history button[data-export="png"]').click());
  assert.equal(png.name, 'history.png');
  assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
  const svg = await saved(page, () => page.locator('#chart-history button[data-export="svg"]').click());
  assert.equal(svg.name, 'history.svg');
  const text = svg.bytes.toString('utf8');
  assert.match(text, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(text.includes('>devAccuracy<'), 'the axis title is in the drawing');
  assert.ok((text.match(/<path /g) ?? []).length > complete.length, 'a shape per dot');
  assert.deepEqual(errors, []);
  await page.close();
});

test('links: the address keeps the filter, the order, the trials compared and the contour pair, and brings them back', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const { page, errors } = await openPage(browser);
  const key = detail.summary.key;
  await page.goto(`${d.url}#/study/${key}?compare=1,0`);
  await ready(page, 'study');
  await page.locator('.table-tools select').first().selectOption('pruned');
  await page.locator('#trials th[data-sort="param:learningRate"]').click();
  await page.locator('#trials th[data-sort="param:learningRate"]').click();
  // The contour is below the first screen: drawn (and its selects made) when scrolled to.
  await see(page, '#chart-contour');
  await page.locator('#contour-controls select[data-axis="y"]').selectOption('dropout');
  const address = new URL(page.url()).hash;
  assert.equal(address, `#/study/${key}?compare=0,1&state=pruned&sort=-param:learningRate&x=learningRate&y=dropout`);
  // Opened afresh (a link someone was sent): the same rows, order, comparison and contour.
  const { page: other } = await openPage(browser);
  await other.goto(`${d.url}${address}`);
  await ready(other, 'study');
  const pruned = detail.trials.filter((x) => x.state === 'pruned').sort((a, b) => (b.params.learningRate as number) - (a.params.learningRate as number));
  const shown = (await other.locator('#trials tbody tr td:nth-child(2)').allTextContents()).map(Number);
  assert.deepEqual(shown, pruned.map((x) => x.number));
  assert.equal(await other.locator('.table-tools select').first().inputValue(), 'pruned');
  assert.deepEqual(await other.locator('#compare-table thead th a').allTextContents(), ['trial 0', 'trial 1']);
  await see(other, '#chart-contour');
  assert.equal(await other.locator('#contour-controls select[data-axis="y"]').inputValue(), 'dropout');
  assert.equal(await other.evaluate(`window.__caviar.chart('contour').getOption().yAxis[0].name`), 'dropout');
  assert.deepEqual(errors, []);
  await page.close();
  await other.close();
});
