// After a database crash rolls back commits, the storage answers a reader's
// cursor with the whole study and `reset`: the dashboard's mirror, its live
// events and the page's model must drop the trials that no longer exist,
// not keep them beside the new ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StudyMirror } from '../../src/dashboard/server/mirror.js';
import { StudyFeed } from '../../src/dashboard/server/events.js';
import { applyEvent, studyModel } from '../../src/dashboard/web/study-model.js';
import { MemoryStorage } from '../../src/tune/storage/memory.js';
import type { Storage } from '../../src/tune/storage/storage.js';
import type { StudyDetail, TrialsEvent } from '../../src/dashboard/api-types.js';

const DIST = { type: 'float', low: 0, high: 1, scale: 'linear' } as const;

/** A study with `n` complete trials, x = 0.1, 0.2, ... */
async function withTrials(n: number): Promise<{ storage: MemoryStorage; studyId: number }> {
  const storage = new MemoryStorage();
  const study = await storage.createStudy({ name: 's', direction: 'minimize' });
  for (let i = 0; i < n; i++) {
    const t = (await storage.claimTrial(study.id))!;
    await storage.updateTrial(t.id, { params: [{ name: 'x', value: (i + 1) / 10, distribution: DIST }], finish: { state: 'complete', value: i } });
  }
  return { storage, studyId: study.id };
}

/** A storage whose contents can be swapped for what the server holds after a crash. */
function switchable(first: Storage): { storage: Storage; crash(to: Storage): void } {
  let current = first;
  const storage = new Proxy({} as Storage, {
    get(_target, key) {
      const value = Reflect.get(current, key) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
  return { storage, crash: (to) => (current = to) };
}

test('the mirror replaces its trials on a reset; a page from before it gets the whole study with reset, and drops the lost trials', async () => {
  const before = await withTrials(5);
  const { storage, crash } = switchable(before.storage);
  const mirror = new StudyMirror(storage, 0, (await storage.getStudy('s'))!);
  await mirror.refresh(0);
  assert.equal(mirror.trials.filter(Boolean).length, 5);
  const seenCursor = mirror.cursor;
  const page = studyModel({ summary: mirror.summary('memory'), trials: mirror.trials.map((t) => mirror.row(t)), distributions: mirror.distributions('memory'), regions: [], cursor: seenCursor } as unknown as StudyDetail);

  // The crash rolled back the last three trials: the server holds two, at a lower version.
  const after = await withTrials(2);
  crash(after.storage);
  const changes: { reset: boolean; trials: number }[] = [];
  mirror.onChange((c) => changes.push({ reset: c.reset, trials: c.trials.length }));
  await mirror.refresh(0);
  assert.deepEqual(changes, [{ reset: true, trials: 2 }]);
  assert.deepEqual(mirror.trials.filter(Boolean).map((t) => t.number), [0, 1], 'trials 2-4 are gone');
  assert.equal(mirror.byId.size, 2);
  assert.equal(mirror.trialsAfter(seenCursor).length, 2, 'a reader from before the reset gets every trial');

  // A page that watched from before the crash reconnects with its old cursor.
  const written: string[] = [];
  const res = { writeHead() {}, write: (t: string) => void written.push(t), on() {}, end() {} };
  const feed = new StudyFeed(mirror, 'memory', { pollMs: 60_000, keepAliveMs: 60_000 });
  feed.watch(res as never, seenCursor);
  feed.close();
  const data = written.find((w) => w.startsWith('id: '))!;
  const event = JSON.parse(/^data: (.*)$/m.exec(data)![1]) as TrialsEvent;
  assert.equal(event.reset, true);
  assert.deepEqual(event.trials.map((t) => t.number), [0, 1]);
  assert.equal(page.trials.filter(Boolean).length, 5);
  applyEvent(page, event);
  assert.deepEqual(page.trials.filter(Boolean).map((t) => t.number), [0, 1], 'the page holds what the server holds');
});

test('without a reset, events merge as before', async () => {
  const { storage, studyId } = await withTrials(2);
  const mirror = new StudyMirror(storage, 0, (await storage.getStudy('s'))!);
  await mirror.refresh(0);
  const t = (await storage.claimTrial(studyId))!;
  await storage.updateTrial(t.id, { params: [{ name: 'x', value: 0.9, distribution: DIST }], finish: { state: 'complete', value: 9 } });
  const changes: boolean[] = [];
  mirror.onChange((c) => changes.push(c.reset));
  await mirror.refresh(0);
  assert.deepEqual(changes, [false]);
  assert.equal(mirror.trials.filter(Boolean).length, 3);
});
