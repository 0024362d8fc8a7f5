/**
 * The dashboard in real headless Chromium: the studies page, a study with
 * every chart drawn with data, a trial page, escaping of hostile names, and
 * a study of 10,000 trials drawn whole, its table sorted, filtered and paged
 * in the page. How fast (the 10,000-trial page usable, each click) is
 * measured by `npm run bench:dashboard`, with its figures in
 * docs/BENCHMARKS.md: a test asserts no time. Screenshots of each page land
 * in test-artifacts/dashboard/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';
import { forkTrial } from '../../src/tune/control.js';
import type { StudySummary, StudyDetail, TrialRow } from '../../src/dashboard/api-types.js';
import { param } from '../../src/dashboard/web/format.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { makePbtStudy, makeStudy } from './fixtures.js';
import { testDashboard, type TestDashboard } from './helpers.js';
import { CHROMIUM_NOTICE, charts, chromiumPath, inPage, launch, openPage, ready, screenshot, see, type PageWindow } from './browser.js';

const available = chromiumPath() !== undefined;
const XSS = '<script>alert(1)</script>';
const dir = mkdtempSync(join(tmpdir(), 'caviar-dash-pages-'));
let browser: Browser;
let d: TestDashboard;
let storage: SqliteStorage;
const keys: Record<string, string> = {};
let exploits = 0;

before(async () => {
  if (!available) return;
  const modelPath = join(dir, 'trial-0.safetensors');
  writeFileSync(modelPath, Buffer.from('model bytes'));
  storage = await SqliteStorage.open(join(dir, 'study.db'));
  await makeStudy(storage, { name: 'demo', trials: 40, regions: true, modelPath, interventions: [
    { step: 4, kind: 'set', args: { params: { learningRate: 0.001 } }, commandId: 1 },
    { step: 8.5, kind: 'rollback', args: { checkpointId: 1 }, commandId: 2 },
  ] });
  await makeStudy(storage, { name: XSS, trials: 6, running: true });
  exploits = await makePbtStudy(storage, 'population', 4, 3);
  d = await testDashboard({ storage: join(dir, 'study.db') });
  for (const s of (await d.get<StudySummary[]>('/api/studies')).body) keys[s.name] = s.key;
  // Trial 0 of demo (with interventions to mark): a checkpoint, and a fork from it.
  const demo = (await d.get<StudyDetail>(`/api/studies/${keys.demo}`)).body;
  const t0 = Number(demo.trials[0].key.split('-')[1]);
  const cp = await storage.saveCheckpoint(t0, { step: 6, data: new Uint8Array(64), meta: { learningRate: 0.001, metric: 0.8 }, kind: 'manual' });
  await forkTrial(storage, cp.id, { dropout: 0.1 });
  keys.trial0 = demo.trials[0].key;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d?.close();
  await storage?.close();
});

test('studies page: every study listed; a study named <script>alert(1)</script> is text and runs nothing', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const { page, errors, dialogs } = await openPage(browser);
  await page.goto(d.urlWithToken);
  await ready(page, 'studies');
  const names = await page.locator('#studies a.study-name').allTextContents();
  assert.deepEqual(names.sort(), [XSS, 'demo', 'population'].sort());
  assert.equal(await page.locator('script').count(), 1, 'only the bundle');
  assert.equal(new URL(page.url()).hash, '#/', 'the token leaves the address bar');
  assert.equal(await page.locator('#session').textContent(), 'controls enabled');
  await screenshot(page, 'studies');
  await page.locator('#studies a.study-name', { hasText: 'alert' }).click();
  await ready(page, 'study');
  assert.equal(await page.locator('h1.study-name').textContent(), XSS);
  assert.equal(await page.locator('script').count(), 1);
  await page.waitForTimeout(300);
  assert.deepEqual(dialogs, [], 'no alert ever fires');
  assert.deepEqual(errors, []);
  await page.close();
});

test('study page: history, curves, parallel coordinates, slices on their scales, importance, regions and the table, each drawn with data', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const { page, errors } = await openPage(browser);
  await page.goto(`${d.url}#/study/${keys.demo}`);
  await ready(page, 'study');
  await ready(page, 'importance');
  // The charts below the first screen are drawn as they come into view: scroll down to them, as a person would.
  await see(page, '#chart-slices');
  await see(page, '#chart-regions');
  const c = await charts(page);
  const points = (id: string, series = 0) => c[id]?.series[series]?.points ?? 0;
  for (const id of ['history', 'curves', 'parallel', 'slice:learningRate', 'slice:beta', 'slice:hiddenUnits', 'slice:batchSize', 'slice:dropout', 'region:learningRate', 'region:beta', 'importance']) {
    assert.ok(c[id], `chart ${id} exists`);
    assert.ok(c[id].drawn, `chart ${id} has drawn`);
  }
  assert.equal(points('history'), 32, 'each complete trial');
  const detail = (await d.get<StudyDetail>(`/api/studies/${keys.demo}`)).body;
  let records = 0;
  let bestSoFar = -Infinity;
  for (const x of detail.trials) if (x.state === 'complete' && x.value! > bestSoFar) [bestSoFar, records] = [x.value!, records + 1];
  assert.equal(points('history', 2), records + 1, 'best so far: each new best, and the last trial');
  assert.equal(points('curves'), 32 * 12, 'every epoch of every complete trial');
  assert.equal(points('curves', 1), 7 * 6, 'pruned trials up to where they stopped');
  assert.equal(points('curves', 4), 7, 'a mark where each pruned trial stopped');
  assert.equal(points('parallel'), 32);
  for (const p of ['learningRate', 'beta', 'hiddenUnits', 'batchSize', 'dropout']) assert.equal(points(`slice:${p}`), 32, p);
  assert.equal(points('region:learningRate'), 2, 'two narrowed rounds');
  assert.equal(points('importance'), 5);
  // Each parameter on its own scale; 1 - beta ticks read as beta.
  const axes = await page.evaluate(() => {
    const w = globalThis as unknown as PageWindow;
    type Axis = { type: string; name: string; inverse?: boolean; axisLabel: { formatter: (v: number | string) => string } };
    const parallel = w.__caviar.chart('parallel')!.getOption().parallelAxis as Axis[];
    const slice = (w.__caviar.chart('slice:beta')!.getOption().xAxis as Axis[])[0];
    return {
      parallel: parallel.map((a) => [a.name, a.type, !!a.inverse]),
      betaTicks: [0.1, 0.01, 0.001].map((v) => slice.axisLabel.formatter(v)),
      sliceBeta: [slice.type, !!slice.inverse],
    };
  });
  assert.deepEqual(axes.parallel, [
    ['learningRate (log)', 'log', false], ['beta (1 − β scale)', 'log', true], ['hiddenUnits (log)', 'log', false],
    ['batchSize', 'category', false], ['dropout', 'value', false], ['devAccuracy', 'value', false],
  ]);
  assert.deepEqual(axes.betaTicks, ['0.9', '0.99', '0.999']);
  assert.deepEqual(axes.sliceBeta, ['log', true]);
  // The table: sort by value (best first for a maximized study), filter by state, page.
  await page.locator('#trials th[data-sort="value"]').click();
  const first = Number(await page.locator('#trials tbody tr:first-child td:nth-child(4)').textContent());
  const best = Math.max(...detail.trials.filter((x) => x.state === 'complete').map((x) => x.value!));
  assert.equal(first, Number(best.toPrecision(4)));
  await page.locator('.table-tools select').first().selectOption('pruned');
  assert.deepEqual([...new Set(await page.locator('#trials tbody .badge').allTextContents())], ['pruned']);
  assert.equal(await page.locator('#trials tbody tr').count(), 7);
  await page.locator('.table-tools select').first().selectOption('all');
  await page.locator('.table-tools select').nth(1).selectOption('25');
  await page.locator('.pager button', { hasText: 'next' }).click();
  assert.equal(await page.locator('#trials tbody tr').count(), 41 - 25, '41 trials with the fork');
  await screenshot(page, 'study');
  // A dot of the history: its tooltip (built as text) names the trial, and a click opens it.
  await page.locator('#chart-history').scrollIntoViewIfNeeded();
  const dot = await page.evaluate(() => {
    type Data = { count(): number; getItemLayout(i: number): [number, number]; getRawIndex(i: number): number };
    const c = (globalThis as unknown as PageWindow).__caviar.chart('history') as unknown as {
      getDom(): { getBoundingClientRect(): { left: number; top: number } };
      getModel(): { getSeriesByIndex(i: number): { getData(): Data } };
    };
    const data = c.getModel().getSeriesByIndex(0).getData();
    const [x, y] = data.getItemLayout(data.count() - 1);
    const box = c.getDom().getBoundingClientRect();
    return { x: box.left + x, y: box.top + y };
  });
  await page.mouse.move(dot.x - 3, dot.y - 3);
  await page.mouse.move(dot.x, dot.y);
  await page.locator('.tip').first().waitFor();
  assert.match((await page.locator('.tip').first().textContent())!, /^trial \d+complete: 0\.\d+/);
  await page.mouse.click(dot.x, dot.y);
  await ready(page, 'trial');
  assert.match(new URL(page.url()).hash, /^#\/trial\/\d+-\d+$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('trial page: curves with interventions marked, lineage, checkpoints, commands and the model download', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const { page, errors } = await openPage(browser);
  await page.goto(`${d.url}#/trial/${keys.trial0}`);
  await ready(page, 'trial');
  const c = await charts(page);
  assert.equal(c['trial:loss'].series[0].points, 12);
  assert.equal(c['trial:accuracy'].series[1].points, 12);
  const marks = await page.evaluate(() => {
    const w = globalThis as unknown as PageWindow;
    const series = w.__caviar.chart('trial:loss')!.getOption().series as { markLine?: { data: { xAxis: number; name: string }[] } }[];
    return series[0].markLine!.data.map((m) => [m.xAxis, m.name]);
  });
  assert.deepEqual(marks, [[4, 'set learningRate=0.001'], [8.5, 'rollback to #1']]);
  assert.match((await page.locator('section', { hasText: 'Lineage' }).textContent())!, /forks from it\s*trial 40 \(fork\)/);
  assert.equal(await page.locator('#best-epoch').textContent(), '12', 'the epoch the trial kept');
  assert.equal(await page.locator('#checkpoints tbody tr').count(), 1);
  assert.ok(await page.locator('form.set-form [data-fork-param="dropout"]').isVisible(), 'a finished trial can be forked');
  assert.ok(!(await page.locator('button[data-action="pause"]').isVisible()), 'but not paused');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-model').click()]);
  assert.equal(download.suggestedFilename(), 'trial-0.safetensors');
  await screenshot(page, 'trial');
  // The fork's page links back to its parent.
  await page.locator('section', { hasText: 'Lineage' }).locator('a', { hasText: 'trial 40' }).click();
  await ready(page, 'trial');
  assert.match((await page.locator('section', { hasText: 'Lineage' }).textContent())!, /fork: checkpoint #\d+ of trial 0 at step 6/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('population-based training: each segment at its generation and member, with its lineage (exploit and continue)', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const { page, errors } = await openPage(browser);
  await page.goto(`${d.url}#/study/${keys.population}`);
  await ready(page, 'study');
  await see(page, '#chart-population');
  const c = await charts(page);
  assert.ok(c.population.drawn);
  assert.deepEqual(c.population.series.map((s) => s.points), [8 - exploits, exploits, 12], 'continue lines, exploit lines, segments');
  assert.ok(exploits > 0);
  assert.ok(!(await page.locator('section', { hasText: 'Coarse-to-fine regions' }).isVisible()), 'no regions panel without regions');
  await screenshot(page, 'study-population');
  // A segment's page names the member it copied.
  const detail = (await d.get<StudyDetail>(`/api/studies/${keys.population}`)).body;
  const exploiting = detail.trials.find((x) => x.origin?.reason === 'exploit')!;
  await page.goto(`${d.url}#/trial/${exploiting.key}`);
  await ready(page, 'trial');
  const lineage = (await page.locator('section', { hasText: 'Lineage' }).textContent())!;
  assert.match(lineage, new RegExp(`exploit: checkpoint #\\d+ of trial ${exploiting.origin!.trial} at step`));
  assert.match(lineage, new RegExp(`member ${exploiting.pbt!.member}, generation ${exploiting.pbt!.generation}`));
  assert.deepEqual(errors, []);
  await page.close();
});

/**
 * Clicks in the 10,000-trial table — sort by value, sort by learning rate,
 * filter, next page — and what the table shows after each: the cells of its
 * rows and the pager's line. A string, so that the test's TypeScript loader
 * adds nothing to it that the page lacks. (How fast each click answers is
 * bench/dashboard.ts's figure.)
 */
const TABLE_CLICKS = `(() => {
  const q = (s) => document.querySelector(s);
  const seen = () => ({
    columns: [...document.querySelectorAll('#trials thead th')].map((th) => th.dataset.sort ?? ''),
    rows: [...document.querySelectorAll('#trials tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent)),
    pager: q('.pager .muted').textContent,
  });
  const out = {};
  q('#trials th[data-sort="value"]').click();
  out.byValue = seen();
  q('#trials th[data-sort="param:learningRate"]').click();
  out.byLearningRate = seen();
  const input = q('.table-tools input');
  input.value = '0.99';
  input.dispatchEvent(new Event('input'));
  out.filtered = seen();
  q('.pager button:last-child').click();
  out.nextPage = seen();
  return out;
})()`;

interface TableView { columns: string[]; rows: string[][]; pager: string }

/** Trial numbers in the table's order: by `key`, missing values last in either direction, ties by number. */
function order(trials: readonly TrialRow[], key: (t: TrialRow) => number | null, descending: boolean): number[] {
  return trials.map((t) => ({ t, k: key(t) })).sort((a, b) => {
    if (a.k === null || b.k === null) return (a.k === null ? (b.k === null ? 0 : 1) : -1) || a.t.number - b.t.number;
    return (descending ? b.k - a.k : a.k - b.k) || a.t.number - b.t.number;
  }).map((x) => x.t.number);
}

test('10,000 trials: the study page draws them (the best 1,000 curves and the spread of all, a cap for each chart); the table sorts, filters and pages them in the page', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const file = join(dir, 'ten-thousand.db');
  const big = await SqliteStorage.open(file);
  await makeStudy(big, { name: 'ten-thousand', trials: 10_000, regions: true });
  await big.close();
  const dash = await testDashboard({ storage: file });
  try {
    const [summary] = (await dash.get<StudySummary[]>('/api/studies')).body;
    const detail = (await dash.get<StudyDetail>(`/api/studies/${summary.key}`)).body;
    assert.equal(detail.trials.length, 10_000);
    const { page, errors } = await openPage(browser);
    await page.goto(`${dash.url}#/study/${summary.key}`);
    await ready(page, 'study');
    await see(page, '#chart-parallel');
    const c = await charts(page);
    assert.equal(c.history.series[0].points, 8000);
    assert.equal(c.parallel.series[0].points, 3000, 'the 1000 best and 2000 others');
    assert.match((await page.locator('#parallel-note').textContent())!, /The 1000 best of 8000 complete trials and 2000 others/);
    // The cap is the page's to change: every trial, and the note says so.
    await page.locator('#parallel-cap').selectOption('Infinity');
    assert.equal((await charts(page)).parallel.series[0].points, 8000);
    assert.match((await page.locator('#parallel-note').textContent())!, /^8000 complete trials;/);
    await page.locator('#parallel-cap').selectOption('3000');

    // Learning curves: the 1,000 best trials' curves, and the spread of all 10,000 per epoch (four band edges, the median).
    assert.match((await page.locator('#curves-note').textContent())!, /^The curves of the 1000 best of 10000 trials \(a pruned one by its last value\); the band is every trial's median/);
    const curveLines = (report: Awaited<ReturnType<typeof charts>>) => report.curves.series.slice(0, 3).reduce((n, s) => n + s.points, 0);
    assert.equal(curveLines(c), 1000 * 12, 'the best 1,000 are complete trials of 12 epochs');
    assert.deepEqual(c.curves.series.slice(5).map((s) => [s.type, s.points]), Array(5).fill(['line', 12]));
    const medianAtLastEpoch = await inPage<number>(page, `chart('curves').getOption().series[9].data[11][1]`);
    const lastEpoch = detail.trials.filter((tr) => tr.steps.includes(12)).map((tr) => tr.values[tr.steps.indexOf(12)]!).sort((a, b) => a - b);
    const middle = (lastEpoch.length - 1) / 2;
    assert.ok(Math.abs(medianAtLastEpoch - (lastEpoch[Math.floor(middle)] + lastEpoch[Math.ceil(middle)]) / 2) < 1e-12, 'the median of every trial at epoch 12');
    await page.locator('#curves-cap').selectOption('Infinity');
    const every = await charts(page);
    assert.equal(curveLines(every), 8000 * 12 + 1999 * 6 + 12, 'every trial: 8,000 complete, 1,999 pruned half way, 1 failed');
    assert.equal(every.curves.series.length, 5, 'no band when every curve is drawn');
    assert.match((await page.locator('#curves-note').textContent())!, /^10000 trials' curves\.$/);
    await page.locator('#curves-cap').selectOption('1000');
    // History and slices draw each of 8,000 complete trials: under their cap of 10,000.
    assert.match((await page.locator('#history-note').textContent())!, /^Each of 8000 complete and 1999 pruned trials\.$/);
    assert.match((await page.locator('#slices-note').textContent())!, /^Each of 8000 complete trials\.$/);

    const seen = (await page.evaluate(TABLE_CLICKS)) as Record<'byValue' | 'byLearningRate' | 'filtered' | 'nextPage', TableView>;
    const numbers = (view: TableView) => view.rows.map((r) => Number(r[1]));
    const lr = (tr: TrialRow) => (typeof tr.params.learningRate === 'number' ? tr.params.learningRate : null);
    // Value: best first for a maximized study; the pruned and failed trials (no value) last.
    assert.equal(detail.summary.direction, 'maximize');
    assert.deepEqual(numbers(seen.byValue), order(detail.trials, (tr) => tr.value, true).slice(0, 50));
    assert.match(seen.byValue.pager, /^ ?page 1 of 200 · 10000 trials · /);
    // A parameter: ascending on the first click.
    assert.deepEqual(numbers(seen.byLearningRate), order(detail.trials, lr, false).slice(0, 50));
    // The filter keeps the trials with a parameter that reads '0.99' as the page shows it, still sorted by learning rate.
    const lrColumn = seen.filtered.columns.indexOf('param:learningRate');
    const paramColumns = seen.filtered.columns.flatMap((k, i) => (k.startsWith('param:') ? [i] : []));
    assert.ok(lrColumn > 0 && paramColumns.length === Object.keys(detail.distributions).length, seen.filtered.columns.join(' '));
    const matching = detail.trials.filter((tr) => Object.keys(detail.distributions).some((n) => param(tr.params[n]).toLowerCase().includes('0.99')));
    assert.ok(matching.length > 50 && matching.length < 10_000, `${matching.length} trials match '0.99'`);
    const expected = order(matching, lr, false);
    assert.deepEqual(numbers(seen.filtered), expected.slice(0, 50));
    for (const row of seen.filtered.rows) assert.ok(paramColumns.some((i) => row[i].includes('0.99')), `a row without '0.99': ${row.join(' | ')}`);
    const pages = Math.ceil(matching.length / 50);
    assert.match(seen.filtered.pager, new RegExp(`^ ?page 1 of ${pages} · ${matching.length} trials \\(of 10000\\) · `));
    // Next page: the following 50 of the same order.
    assert.deepEqual(numbers(seen.nextPage), expected.slice(50, 100));
    assert.match(seen.nextPage.pager, new RegExp(`^ ?page 2 of ${pages} · ${matching.length} trials`));
    await screenshot(page, 'study-10k');
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await dash.close();
  }
});
