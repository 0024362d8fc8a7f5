/**
 * The dashboard live, in headless Chromium, on a real `caviar tune` running in
 * a child process: a study page's learning curve grows as the trial trains
 * (no reload), then from the trial page a person pauses the trial, changes
 * its learning rate, resumes it, saves a checkpoint, rolls back to it, forks
 * from it and stops it — and the storage shows each command applied at the
 * step it recorded, with the new learning rate in the curves from that step.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';
import type { CommandRecord } from '../../src/tune/storage/storage.js';
import type { StudyDetail } from '../../src/dashboard/api-types.js';
import type { FrozenTrial } from '../../src/tune/types.js';
import { HANG_MS } from '../helpers/hang.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { testDashboard, until, type TestDashboard } from './helpers.js';
import { ARTIFACTS, CHROMIUM_NOTICE, charts, chromiumPath, launch, openPage, ready, screenshot, type PageWindow } from './browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'caviar-dash-live-'));
const db = join(dir, 'study.db');
let child: ChildProcess | undefined;
let browser: Browser | undefined;
let d: TestDashboard | undefined;
let storage: SqliteStorage | undefined;

after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await browser?.close();
  await d?.close();
  await storage?.close();
});

/** Epochs of a few tens of milliseconds, and far more of them than the test needs: it stops the trial itself. */
const EXPERIMENT = `name: live
seed: 1
data: { source: spirals, classes: 3, perClass: 1500, dev: 0.2, test: 0.1 }
model: { hidden: [64, 64], batchNorm: true }
train: { epochs: 100000, batchSize: 32, optimizer: adam, learningRate: 0.01 }
tune:
  trials: 1
  sampler: random
  pruner: none
  checkpointEvery: 5
  space: { learningRate: { type: float, low: 0.002, high: 0.01, scale: log } }
output: ${join(dir, 'out')}
`;

interface Curve {
  epoch: number;
  learningRate: number;
}
const curvesOf = (t: FrozenTrial) => (t.userAttrs.curves ?? []) as Curve[];

/** Points of the running trial's curve on the study page (series 3 of the curves chart). */
async function runningPoints(page: Page): Promise<number> {
  return (await charts(page)).curves?.series[3]?.points ?? 0;
}

/** Clicks a control and waits until the page shows the command settled; returns the command from storage. */
async function control(page: Page, action: string, trialId: number, before: () => Promise<unknown> = async () => {}): Promise<CommandRecord> {
  const sent = (await storage!.listCommands(trialId)).length;
  await before();
  await page.locator(`button[data-action="${action}"]`).click();
  await page.waitForFunction(
    (a) => {
      const s = (globalThis as unknown as { document: { querySelector(q: string): { textContent: string; className: string } | null } }).document.querySelector('#command-status');
      return !!s && /cmd-(applied|refused)/.test(s.className) && s.textContent.includes(a === 'set' ? 'set ' : a);
    },
    action,
  );
  const commands = await storage!.listCommands(trialId);
  assert.equal(commands.length, sent + 1, `${action}: one command sent`);
  return commands[commands.length - 1];
}

test('live: a running trial\'s curve grows on the page; pause, change the learning rate, resume, checkpoint, roll back, fork and stop it from the trial page', { timeout: 10 * 60_000 }, async (t) => {
  if (!requireOrSkip(t, chromiumPath() !== undefined, CHROMIUM_NOTICE)) return;
  writeFileSync(join(dir, 'live.yaml'), EXPERIMENT);
  const started = Date.now();
  child = spawn(process.execPath, ['--import', 'tsx', 'test/cli/fixtures/caviar.ts', 'tune', join(dir, 'live.yaml'), '--storage', db], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));

  // The study file appears, and its trial starts reporting epochs.
  await until('the study file', () => (existsSync(db) ? true : undefined), undefined, 100);
  storage = await SqliteStorage.open(db);
  const studyId = await until('the study', async () => (await storage!.listStudies())[0]?.id, undefined, 100);
  const trial = await until('a trial with 2 epochs', async () => {
    const running = (await storage!.trialsSince(studyId, 0)).trials.find((x) => x.state === 'running');
    return running && running.intermediate.size >= 2 ? running : undefined;
  }, undefined, 100);
  t.diagnostic(`caviar tune's trial reported its 2nd epoch ${((Date.now() - started) / 1000).toFixed(1)} s after the start`);
  d = await testDashboard({ storage: db, pollMs: 300 });
  browser = await launch();
  const { page, errors } = await openPage(browser);
  await page.goto(d.urlWithToken);
  await ready(page, 'studies');
  await page.locator('#studies a.study-name').click();
  await ready(page, 'study');
  await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));

  // The curve grows without a reload: the page catches up with every epoch the storage has, again and again.
  // (How far behind the storage it is, is bench/dashboard.ts's figure, not a test's.)
  const shown: number[] = [];
  for (let i = 0; i < 4; i++) {
    const steps = Math.max((await storage.getTrial(trial.id)).intermediate.size, (shown.at(-1) ?? 0) + 1);
    await until(`the storage and then the page showing ${steps} epochs`, async () =>
      (await storage!.getTrial(trial.id)).intermediate.size >= steps && (await runningPoints(page)) >= steps ? true : undefined, undefined, 20);
    shown.push(await runningPoints(page));
  }
  assert.ok(shown.every((n, i) => i === 0 || n > shown[i - 1]), `the curve grew: ${shown.join(', ')} points`);
  assert.ok(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded), 'the page was not reloaded');
  await screenshot(page, 'study-live');

  // The trial page, with the controls the token enables.
  const trialKey = (await d.get<StudyDetail>(`/api/studies/0-${studyId}`)).body.trials[0].key;
  await page.goto(`${d.url}#/trial/${trialKey}`);
  await ready(page, 'trial');
  assert.ok(await page.locator('button[data-action="pause"]').isEnabled());
  const pause = await control(page, 'pause', trial.id);
  assert.equal(pause.state, 'applied', pause.message);
  const pausedAt = pause.step!;
  const epochsPaused = curvesOf(await storage.getTrial(trial.id)).length;
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(curvesOf(await storage.getTrial(trial.id)).length, epochsPaused, 'no epoch ends while paused');

  const set = await control(page, 'set', trial.id, () => page.locator('input[data-param="learningRate"]').fill('0.0005'));
  assert.equal(set.state, 'applied', set.message);
  assert.deepEqual(set.args, { params: { learningRate: 0.0005 } });
  assert.equal(set.step, pausedAt, 'applied while paused, at the step it paused at');
  const resume = await control(page, 'resume', trial.id);
  assert.equal(resume.state, 'applied', resume.message);

  // The trial trains on at the new rate from that step; the curves say so, and the page marks the change.
  const after3 = await until('3 epochs after the change', async () => {
    const c = curvesOf(await storage!.getTrial(trial.id));
    return c.filter((e) => e.epoch > pausedAt).length >= 3 ? c : undefined;
  });
  for (const e of after3) {
    if (e.epoch > pausedAt) assert.equal(e.learningRate, 0.0005, `epoch ${e.epoch}`);
    else assert.notEqual(e.learningRate, 0.0005, `epoch ${e.epoch}`);
  }
  const recorded = (await storage.getTrial(trial.id)).userAttrs.interventions as { step: number; kind: string; commandId: number }[];
  assert.deepEqual(recorded.map((i) => [i.kind, i.step, i.commandId]), [['pause', pausedAt, pause.id], ['set', pausedAt, set.id], ['resume', pausedAt, resume.id]]);
  const marks = await until('the change marked on the curves', () => page.evaluate(() => {
    const series = (globalThis as unknown as PageWindow).__caviar.chart('trial:loss')?.getOption().series as { markLine?: { data: { xAxis: number; name: string }[] } }[] | undefined;
    const data = series?.[0]?.markLine?.data ?? [];
    // The page may draw the pause and the set before the resume reaches it: wait for the three recorded.
    return data.some((m) => m.name.includes('set ') && m.name.includes('resume')) ? data.map((m) => [m.xAxis, m.name]) : undefined;
  }));
  // Three commands applied at one step: one mark, one label naming them in order.
  assert.deepEqual(marks.find((m) => String(m[1]).includes('set ')), [pausedAt, 'pause · set learningRate=0.0005 · resume']);

  // Checkpoint, roll back to it, fork from it.
  const checkpoint = await control(page, 'checkpoint', trial.id);
  assert.equal(checkpoint.state, 'applied', checkpoint.message);
  const checkpointId = Number(/checkpoint (\d+)/.exec(checkpoint.message!)![1]);
  await until('the checkpoint listed', async () => ((await page.locator('#checkpoints tbody tr', { hasText: `${checkpointId}` }).count()) > 0 ? true : undefined));
  await until('more epochs', async () => (curvesOf(await storage!.getTrial(trial.id)).at(-1)!.epoch > checkpoint.step! + 1 ? true : undefined));
  const rollback = await control(page, 'rollback', trial.id, () => page.locator('select[data-role="rollback-checkpoint"]').selectOption(String(checkpointId)));
  assert.equal(rollback.state, 'applied', rollback.message);
  assert.deepEqual(rollback.args, { checkpointId });
  await page.locator('select[data-role="fork-checkpoint"]').selectOption(String(checkpointId));
  await page.locator('input[data-fork-param="learningRate"]').fill('0.003');
  await page.locator('button[data-action="fork"]').click();
  await page.waitForFunction(() => /new trial \d+ enqueued/.test((globalThis as unknown as { document: { querySelector(q: string): { textContent: string } } }).document.querySelector('#command-status').textContent));
  const fork = (await storage.trialsSince(studyId, 0)).trials.find((x) => x.number === 1)!;
  assert.equal(fork.state, 'waiting');
  assert.deepEqual(fork.systemAttrs.origin, { checkpointId, trial: 0, step: checkpoint.step, reason: 'fork' });
  assert.equal((fork.systemAttrs.fixedParams as Record<string, number>).learningRate, 0.003);

  // Stop: the trial completes, and the page shows it without a reload.
  const stop = await control(page, 'stop', trial.id);
  assert.equal(stop.state, 'applied', stop.message);
  await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(q: string): { textContent: string } } }).document.querySelector('h1 .badge').textContent === 'complete');
  mkdirSync(ARTIFACTS, { recursive: true });
  await screenshot(page, 'trial-live');
  assert.deepEqual(errors, []);
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), HANG_MS))]);
  assert.equal(code, 0, output);
  t.diagnostic(`the whole session took ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
