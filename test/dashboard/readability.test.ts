/**
 * What a person reads off the dashboard, checked in Chromium on the labels
 * and options ECharts draws with (issue 15's defects): the colour scale's
 * numbers, the metric's name on every axis and in the studies table, axes
 * that keep every point inside and label whole trials and epochs, commands
 * at one step in one label, a paused trial called paused, a long parameter
 * name kept in its card, every category labelled, the 1 - beta title above
 * its axis, a pruned trial saying where, a finished trial without
 * checkpoints and a waiting fork saying what can be done, and importance
 * counting the trials the summary counts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';
import { forkTrial } from '../../src/tune/control.js';
import type { StudyDetail, StudySummary } from '../../src/dashboard/api-types.js';
import { duration } from '../../src/dashboard/web/format.js';
import { valueAxis } from '../../src/dashboard/web/scales.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { makeStudy } from './fixtures.js';
import { testDashboard, type TestDashboard } from './helpers.js';
import { CHROMIUM_NOTICE, chromiumPath, inPage, launch, openPage, ready, screenshot, see } from './browser.js';

const available = chromiumPath() !== undefined;
const LONG = 'aParameterWithAVeryLongNameThatNoTableCellCouldHoldOnOneLineWithoutBreakingIt';
const dir = mkdtempSync(join(tmpdir(), 'caviar-dash-read-'));
let browser: Browser;
let d: TestDashboard;
let storage: SqliteStorage;
const studies: Record<string, StudyDetail> = {};
let forkKey = '';
let longKey = '';

before(async () => {
  if (!available) return;
  storage = await SqliteStorage.open(join(dir, 'study.db'));
  await makeStudy(storage, { name: 'demo', trials: 40, interventions: [
    { step: 4, kind: 'set', args: { params: { learningRate: 0.001 } } },
    { step: 4, kind: 'checkpoint', args: {} },
    { step: 8.5, kind: 'rollback', args: { checkpointId: 1 } },
  ] });
  await makeStudy(storage, { name: 'small', trials: 3, epochs: 3 });
  const liveId = await makeStudy(storage, { name: 'live', trials: 2, running: true });
  // The running trial took a pause and applied it.
  const running = (await storage.trialsSince(liveId, 0)).trials.find((t) => t.state === 'running')!;
  const pause = await storage.sendCommand(running.id, { kind: 'pause', args: {} });
  await storage.takeCommands(running.id);
  await storage.settleCommand(pause.id, { state: 'applied', step: 3 });
  // A trial with a very long parameter name.
  const long = await storage.createStudy({ name: 'long-names', direction: 'minimize' });
  const t = (await storage.claimTrial(long.id, { heartbeat: false }))!;
  await storage.updateTrial(t.id, {
    params: [{ name: LONG, value: 0.5, distribution: { type: 'float', low: 0, high: 1, scale: 'linear' } }],
    intermediate: [[1, 0.4]],
    finish: { state: 'complete', value: 0.4 },
  });
  d = await testDashboard({ storage: join(dir, 'study.db') });
  for (const s of (await d.get<StudySummary[]>('/api/studies')).body) studies[s.name] = (await d.get<StudyDetail>(`/api/studies/${s.key}`)).body;
  longKey = studies['long-names'].trials[0].key;
  // A fork of demo's trial 0, waiting for a runner.
  const t0 = Number(studies.demo.trials[0].key.split('-')[1]);
  const cp = await storage.saveCheckpoint(t0, { step: 6, data: new Uint8Array(8), meta: {}, kind: 'manual' });
  const fork = await forkTrial(storage, cp.id, {});
  forkKey = `${studies.demo.trials[0].key.split('-')[0]}-${fork.id}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d?.close();
  await storage?.close();
});

/** The labels ECharts lays out on an axis (`kind`: xAxis, yAxis, parallelAxis), as drawn. */
function axisLabels(page: Page, chartId: string, kind: string, index = 0): Promise<string[]> {
  return inPage(page, `axis(${JSON.stringify(chartId)}, '${kind}', ${index}).getViewLabels().map((l) => l.formattedLabel)`);
}

/** The extent an axis was drawn over. */
function axisExtent(page: Page, chartId: string, kind: string, index = 0): Promise<[number, number]> {
  return inPage(page, `axis(${JSON.stringify(chartId)}, '${kind}', ${index}).scale.getExtent()`);
}

/** `read` (JavaScript source of a function) applied to a chart's option. */
function option<T>(page: Page, chartId: string, read: string): Promise<T> {
  return inPage(page, `(${read})(chart(${JSON.stringify(chartId)}).getOption())`);
}

test('valueAxis: ends one tick outside the data, on a tick; whole-number axes label whole numbers only', () => {
  const a = valueAxis(0.612, 0.871);
  assert.deepEqual([a.min, a.max, a.interval], [0.6, 0.9, 0.1]);
  const b = valueAxis(0.35, 0.8);
  assert.ok(b.max > 0.8 && b.min < 0.35, 'no value on an edge');
  assert.ok(Number.isInteger(Math.round((b.max - b.min) / b.interval! * 1e9) / 1e9), 'the ends are ticks: no extra label beside one');
  const c = valueAxis(0, 2, { integer: true });
  assert.equal(c.minInterval, 1);
  assert.ok(c.min < 0 && c.max > 2, 'the first and last trial inside the frame');
  const label = c.axisLabel.formatter as (v: number) => string;
  assert.deepEqual([-0.5, 0, 0.5, 1, 2, 2.5].map(label), ['', '0', '', '1', '2', '']);
  assert.equal(duration(420), '420 ms', 'a sub-second trial is not "0.0 s"');
  assert.equal(duration(2500), '2.5 s');
});

test('study page: the metric names every value axis; the colour scale reads in the values\' digits; axes hold every point', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const { page, errors } = await openPage(browser);
  await page.goto(d.urlWithToken);
  await ready(page, 'studies');
  const bestCell = await page.locator('#studies tr', { hasText: 'demo' }).locator('td.best').textContent();
  assert.match(bestCell!, /^devAccuracy 0\.\d+ \(trial \d+\)$/, 'the studies table says which metric is best');
  await page.goto(`${d.url}#/study/${studies.demo.summary.key}`);
  await ready(page, 'study');
  await ready(page, 'importance');
  await see(page, '#chart-slices');
  const names = await inPage<Record<string, string>>(page, `{
    history: chart('history').getOption().yAxis[0].name,
    curves: chart('curves').getOption().yAxis[0].name,
    slice: chart('slice:dropout').getOption().yAxis[0].name,
    parallel: chart('parallel').getOption().parallelAxis.at(-1).name,
  }`);
  assert.deepEqual(names, { history: 'devAccuracy', curves: 'devAccuracy per epoch', slice: 'devAccuracy', parallel: 'devAccuracy' });
  assert.equal(await page.locator('#trials th[data-sort="value"]').textContent(), 'devAccuracy');

  // Values between 0.6 and 0.95: the colour scale's ends read as such, not '1' and '1'.
  const scale = await option<string[]>(page, 'parallel', '(o) => [0.7512, 0.8734, 0.0012346].map((v) => o.visualMap[0].formatter(v))');
  assert.deepEqual(scale, ['0.7512', '0.8734', '0.001235']);
  // Every parallel axis title above the chart: a reversed axis (1 - beta) has its start at the top.
  const titles = await option<[string, string, boolean][]>(page, 'parallel', '(o) => o.parallelAxis.map((a) => [a.name, a.nameLocation ?? "end", !!a.inverse])');
  for (const [name, where, inverse] of titles) assert.equal(where, inverse ? 'start' : 'end', name);
  assert.ok(titles.some(([, , inverse]) => inverse), 'the 1 - beta axis is among them');

  // History: the first and last trials inside the frame, whole trial numbers only, the best value below the top edge.
  const values = studies.demo.trials.flatMap((x) => (x.value === null ? [] : [x.value]));
  const [x0, x1] = await axisExtent(page, 'history', 'xAxis');
  assert.ok(x0 < 0 && x1 > 40, `trial axis ${x0}..${x1} holds trials 0..40 with room`);
  const trialLabels = (await axisLabels(page, 'history', 'xAxis')).filter((l) => l !== '');
  assert.ok(trialLabels.length >= 3 && trialLabels.every((l) => /^\d+$/.test(l)), trialLabels.join(' '));
  const [y0, y1] = await axisExtent(page, 'history', 'yAxis');
  assert.ok(y1 > Math.max(...values) && y0 < Math.min(...values), `value axis ${y0}..${y1}`);
  // Labels evenly spaced: an end that is not a tick would put its own label beside the nearest one (0.35 under 0.4).
  for (const id of ['history', 'curves', 'slice:dropout']) {
    const ys = (await axisLabels(page, id, 'yAxis')).map(Number);
    const steps = ys.slice(1).map((v, i) => Number((v - ys[i]).toPrecision(6)));
    assert.equal(new Set(steps).size, 1, `${id}: y labels ${ys.join(' ')}`);
  }
  // Every category of a categorical slice labelled.
  assert.deepEqual(await axisLabels(page, 'slice:batchSize', 'xAxis'), ['32', '64', '128', '256']);
  // Importance counts what the summary counts.
  const note = (await page.locator('#importance-note').textContent())!;
  assert.equal(note, `From ${studies.demo.summary.counts.complete} complete trials.`);
  assert.match((await page.locator('.summary').textContent())!, new RegExp(`${studies.demo.summary.counts.complete} complete .*best devAccuracy `));
  await screenshot(page, 'readability-study');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a small study: trial and epoch axes label whole numbers (no 0.5 or 1.5 ticks)', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const { page, errors } = await openPage(browser);
  await page.goto(`${d.url}#/study/${studies.small.summary.key}`);
  await ready(page, 'study');
  for (const id of ['history', 'curves']) {
    const labels = (await axisLabels(page, id, 'xAxis')).filter((l) => l !== '');
    assert.ok(labels.length >= 2 && labels.every((l) => /^\d+$/.test(l)), `${id}: ${labels.join(' ')}`);
  }
  assert.deepEqual((await axisLabels(page, 'history', 'xAxis')).filter((l) => l !== ''), ['0', '1', '2']);
  assert.deepEqual(errors, []);
  await page.close();
});

test('trial pages: commands at one step share a label; pruned, paused, waiting and checkpoint-less trials say what they are', async (t) => {
  if (!requireOrSkip(t, available, CHROMIUM_NOTICE)) return;
  const { page, errors } = await openPage(browser);
  const demo = studies.demo.trials;
  await page.goto(d.urlWithToken);
  await ready(page, 'studies');
  // Trial 0: two commands at step 4 in one mark; a sub-second duration in ms; epochs as whole numbers.
  await page.goto(`${d.url}#/trial/${demo[0].key}`);
  await ready(page, 'trial');
  const marks = await option<[number, string][]>(page, 'trial:loss', '(o) => o.series[0].markLine.data.map((m) => [m.xAxis, m.name])');
  assert.deepEqual(marks, [[4, 'set learningRate=0.001 · checkpoint'], [8.5, 'rollback to #1']]);
  const epochs = (await axisLabels(page, 'trial:loss', 'xAxis')).filter((l) => l !== '');
  assert.ok(epochs.length >= 3 && epochs.every((l) => /^\d+$/.test(l)), epochs.join(' '));
  assert.match((await page.locator('table.facts tr', { hasText: 'duration' }).locator('td').textContent())!, /^\d+ ms$/);

  // A pruned trial: where it stopped, in its facts and on its curve.
  const pruned = demo.find((x) => x.state === 'pruned')!;
  await page.goto(`${d.url}#/trial/${pruned.key}`);
  await ready(page, 'trial');
  const stop = pruned.steps[pruned.steps.length - 1];
  assert.match((await page.locator('#pruned-at').textContent())!, new RegExp(`^at epoch ${stop}, devAccuracy 0\\.\\d+`));
  const prunedMarks = await option<string[]>(page, 'trial:loss', '(o) => o.series[0].markLine.data.map((m) => m.name)');
  assert.deepEqual(prunedMarks, [`pruned at epoch ${stop}`]);

  // A complete trial without checkpoints: the controls say why nothing can act on it.
  const plain = demo.find((x) => x.state === 'complete' && x.number > 0)!;
  await page.goto(`${d.url}#/trial/${plain.key}`);
  await ready(page, 'trial');
  assert.match((await page.locator('#controls-note').textContent())!, /saved no checkpoint.*tune\.checkpointEvery/);

  // A fork waiting for a runner says one is needed.
  await page.goto(`${d.url}#/trial/${forkKey}`);
  await ready(page, 'trial');
  assert.match((await page.locator('#waits-for-runner').textContent())!, /^none yet: it trains when a caviar tune or caviar worker of this study claims/);

  // A paused trial: its badge says paused, not running.
  const live = studies.live.trials.find((x) => x.state === 'running')!;
  await page.goto(`${d.url}#/trial/${live.key}`);
  await ready(page, 'trial');
  assert.deepEqual(await page.locator('h1 .badge').allTextContents(), ['paused']);
  assert.equal(await page.locator('#trial-state .badge').textContent(), 'paused');

  // A long parameter name wraps inside the Parameters card.
  await page.goto(`${d.url}#/trial/${longKey}`);
  await ready(page, 'trial');
  const box = await inPage<{ table: number; card: number; text: string }>(page, `{
    table: document.querySelector('#params').getBoundingClientRect().right,
    card: document.querySelector('#params').closest('section').getBoundingClientRect().right,
    text: document.querySelector('#params').textContent,
  }`);
  assert.ok(box.text!.includes(LONG));
  assert.ok(box.table <= box.card, `the table ends at ${box.table}, inside its card (${box.card})`);
  await screenshot(page, 'readability-long-name');
  assert.deepEqual(errors, []);
  await page.close();
});
