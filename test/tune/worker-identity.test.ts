/**
 * Each trial records who ran it (system attribute `worker`: host, process,
 * executor slot), as soon as its first write, so the dashboard's timeline
 * can draw a lane per runner while trials still run.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStudy } from '../../src/tune/study.js';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';
import { WORKER_ATTR, type WorkerIdentity } from '../../src/tune/worker-identity.js';
import { TestSampler } from './study-sampler.js';

const fixtures = fileURLToPath(new URL('./fixtures-study/objectives.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'caviar-worker-identity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('in-thread slots: each trial records host, pid and its slot, already while it runs', async () => {
  const storage = await SqliteStorage.open(join(dir, 'in-thread.db'));
  const study = await createStudy({ storage, name: 'in-thread', sampler: new TestSampler() });
  const seenWhileRunning = new Map<number, unknown>();
  await study.optimize(async (trial) => {
    const x = trial.suggestFloat('x', 0, 1);
    // Long enough for the first write to reach the storage; then read the trial as another process would.
    await new Promise((r) => setTimeout(r, 60));
    const stored = (await storage.trialsSince(study.id, 0)).trials.find((t) => t.number === trial.number)!;
    seenWhileRunning.set(trial.number, stored.state === 'running' ? stored.systemAttrs[WORKER_ATTR] : `state ${stored.state}`);
    return x;
  }, { nTrials: 6, concurrency: 2 });
  const trials = (await storage.trialsSince(study.id, 0)).trials;
  assert.equal(trials.length, 6);
  const slots = new Set<number>();
  for (const t of trials) {
    const w = t.systemAttrs[WORKER_ATTR] as WorkerIdentity;
    assert.deepEqual({ host: w.host, pid: w.pid }, { host: hostname(), pid: process.pid }, `trial ${t.number}`);
    assert.ok(w.slot === 0 || w.slot === 1, `trial ${t.number}: slot ${w.slot}`);
    slots.add(w.slot);
    assert.deepEqual(seenWhileRunning.get(t.number), w, `trial ${t.number} recorded its runner before it finished`);
  }
  assert.deepEqual([...slots].sort(), [0, 1], 'both slots ran trials');
  await study.close();
  await storage.close();
});

test('worker threads: slot k is worker thread k, the same thread for every trial of the slot', async () => {
  const storage = await SqliteStorage.open(join(dir, 'threads.db'));
  const study = await createStudy({ storage, name: 'threads', sampler: new TestSampler() });
  await study.optimize({ module: fixtures, exportName: 'slow' }, { nTrials: 4, concurrency: 2 });
  const trials = (await storage.trialsSince(study.id, 0)).trials;
  assert.equal(trials.length, 4);
  const threadOfSlot = new Map<number, unknown>();
  for (const t of trials) {
    const w = t.systemAttrs[WORKER_ATTR] as WorkerIdentity;
    assert.equal(w.pid, process.pid);
    const thread = t.userAttrs.thread;
    assert.notEqual(thread, 0, 'ran in a worker thread');
    if (threadOfSlot.has(w.slot)) assert.equal(threadOfSlot.get(w.slot), thread, `slot ${w.slot} ran on one thread`);
    threadOfSlot.set(w.slot, thread);
  }
  assert.equal(threadOfSlot.size, 2, 'two slots, two threads');
  assert.notEqual(threadOfSlot.get(0), threadOfSlot.get(1));
  await study.close();
  await storage.close();
});
