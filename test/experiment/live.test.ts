/**
 * The panda way end to end: a trial of an experiment trains while a person
 * pauses it, changes its learning rate, checkpoints, resumes, rolls back and
 * stops it through the storage, in this thread and in a worker thread; a fork
 * starts from a checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { experimentObjective, type ExperimentArgs } from '../../src/experiment/objective.js';
import { TrialController } from '../../src/tune/control.js';
import { MemoryStorage } from '../../src/tune/storage/memory.js';
import type { Storage } from '../../src/tune/storage/storage.js';
import { createStudy, type Study } from '../../src/tune/study.js';
import type { FrozenTrial } from '../../src/tune/types.js';
import { HANG_MS } from '../helpers/hang.js';

const output = mkdtempSync(join(tmpdir(), 'caviar-live-'));
const args = (epochs: number, checkpointEvery = 0): ExperimentArgs => ({
  source: 'live.yaml',
  study: { name: 'live', uid: 'live0001' },
  raw: {
    name: 'live',
    seed: 3,
    data: { source: 'spirals', classes: 3, perClass: 100, dev: 0.2, test: 0.2 },
    model: { hidden: [16], batchNorm: true },
    train: { epochs, batchSize: 32, optimizer: 'adam', learningRate: 0.01 },
    tune: { trials: 1, pruner: 'none', sampler: 'random', checkpointEvery, space: { learningRate: { type: 'float', low: 1e-4, high: 0.1, scale: 'log' } } },
    output,
  },
});

/** Only a hang (HANG_MS, minutes) fails: how fast the trial trains depends on the machine. */
async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = HANG_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const curvesOf = (t: FrozenTrial) => (t.userAttrs.curves ?? []) as { epoch: number; learningRate: number }[];

/** Steers the trial through a whole session; returns the finished trial. */
async function steerSession(storage: Storage, study: Study, run: Promise<unknown>): Promise<FrozenTrial> {
  const waiting = await storage.enqueueTrial(study.id, { params: { learningRate: 0.01 } });
  const c = new TrialController(storage, waiting.id);
  // Sent before the trial even starts: it pauses at its first look for commands.
  const pause = await c.pause();
  void run;
  const paused = await c.waitFor(pause.id);
  assert.equal(paused.state, 'applied');
  const before = curvesOf(await storage.getTrial(waiting.id)).length;
  await new Promise((r) => setTimeout(r, 600));
  const still = await storage.getTrial(waiting.id);
  assert.equal(still.state, 'running');
  assert.equal(curvesOf(still).length, before, 'no epoch ends while paused');

  const set = await c.waitFor((await c.set({ learningRate: 0.0005 })).id);
  assert.equal(set.state, 'applied');
  assert.equal(set.step, paused.step, 'applied while paused, at the step it paused at');
  const refused = await c.waitFor((await c.set({ hiddenUnits: 3 })).id);
  assert.equal(refused.state, 'refused');
  assert.match(refused.message!, /"hiddenUnits" cannot change while training/);
  const cp = await c.waitFor((await c.checkpoint()).id);
  assert.match(cp.message!, /^checkpoint \d+$/);
  const checkpointId = Number(cp.message!.split(' ')[1]);
  const resumed = await c.waitFor((await c.resume()).id);
  assert.equal(resumed.state, 'applied');
  const notPaused = await c.waitFor((await c.resume()).id);
  assert.equal(notPaused.state, 'refused');
  assert.equal(notPaused.message, 'not paused');

  // Let it train a few epochs at the new rate, then roll back and stop.
  await until('3 more epochs', async () => (curvesOf(await storage.getTrial(waiting.id)).length >= before + 3 ? true : undefined));
  const rollback = await c.waitFor((await c.rollback(checkpointId)).id);
  assert.equal(rollback.state, 'applied', rollback.message);
  assert.ok(rollback.step! > paused.step!);
  const stop = await c.waitFor((await c.stop()).id);
  assert.equal(stop.state, 'applied');
  await run;

  const done = await storage.getTrial(waiting.id);
  assert.equal(done.state, 'complete', 'a trial a person stops completes with the value it reached');
  assert.equal(done.userAttrs.stoppedAt, stop.step);
  const curves = curvesOf(done);
  assert.ok(curves.length < 2000, `stopped early: ${curves.length} epochs`);
  // An epoch's learning rate is the one it ended with: the change counts from the epoch it was applied in.
  for (const e of curves) {
    const expected = e.epoch <= set.step! ? 0.01 : 0.0005;
    assert.equal(e.learningRate, expected, `learning rate in epoch ${e.epoch}`);
  }
  const interventions = done.userAttrs.interventions as { kind: string; step: number }[];
  assert.deepEqual(interventions.map((i) => i.kind), ['pause', 'set', 'checkpoint', 'resume', 'rollback', 'stop']);
  const history = await c.history();
  assert.deepEqual(history.map((h) => h.state), ['applied', 'applied', 'refused', 'applied', 'applied', 'refused', 'applied', 'applied']);
  assert.deepEqual(interventions.map((i) => i.step), history.filter((h) => h.state === 'applied').map((h) => h.step));
  return done;
}

test('a person pauses, re-tunes, checkpoints, resumes, rolls back and stops a trial training in this thread', async () => {
  const storage = new MemoryStorage();
  const study = await createStudy({ name: 'live', storage, direction: 'maximize' });
  const a = args(2000);
  const run = study.optimize((trial) => experimentObjective(trial, a), { nTrials: 1 });
  const done = await steerSession(storage, study, run);

  // A fork from the manual checkpoint, with another learning rate, goes on from the checkpoint's step.
  const [cp] = await storage.listCheckpoints(done.id);
  assert.equal(cp.kind, 'manual');
  const child = await new TrialController(storage, done.id).fork(cp.id, { learningRate: 0.002 });
  assert.deepEqual(child.systemAttrs.origin, { checkpointId: cp.id, trial: done.number, step: cp.step, reason: 'fork' });
  const b = args(Math.floor(cp.step) + 3);
  await study.optimize((trial) => experimentObjective(trial, b), { nTrials: 1 });
  const forked = await storage.getTrial(child.id);
  assert.equal(forked.state, 'complete');
  assert.equal(forked.params.learningRate, 0.002);
  assert.deepEqual(curvesOf(forked).map((e) => e.epoch), [1, 2, 3].map((k) => Math.floor(cp.step) + k));
  await assert.rejects(new TrialController(storage, done.id).fork(cp.id, { learningRate: 5 }), /learningRate = 5 is outside its distribution/);
  await assert.rejects(new TrialController(storage, done.id).pause(), /trial 0 is complete/);
  await study.close();
});

test('the same controls reach a trial training in a worker thread, and scheduled checkpoints are kept to the newest two', async () => {
  const storage = new MemoryStorage();
  const study = await createStudy({ name: 'live-worker', storage, direction: 'maximize' });
  const module = fileURLToPath(new URL('../../src/experiment/objective.ts', import.meta.url));
  const run = study.optimize({ module, exportName: 'objective', args: args(2000, 50) }, { nTrials: 1, concurrency: 1 });
  const done = await steerSession(storage, study, run);
  const checkpoints = await storage.listCheckpoints(done.id);
  assert.equal(checkpoints.filter((c) => c.kind === 'manual').length, 1);
  assert.ok(checkpoints.filter((c) => c.kind === 'auto').length <= 2);
  await study.close();
});
