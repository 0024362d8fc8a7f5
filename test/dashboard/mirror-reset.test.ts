// After a database crash rolls back commits, the storage answers a reader's
// cursor with the whole study and `reset`: the dashboard's mirror, its live
// events and the page's model must drop the trials that no longer exist,
// not keep them beside the new ones. The live stream says only `reset` and
// the cursor; the page loads the study's columns again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StudyMirror } from '../../src/dashboard/server/mirror.js';
import { StudyFeed } from '../../src/dashboard/server/events.js';
import { decodeTrialColumns } from '../../src/dashboard/web/columns.js';
import { applyEvent, replaceStudy, studyModel } from '../../src/dashboard/web/study-model.js';
import { MemoryStorage } from '../../src/tune/storage/memory.js';
import type { ResetEvent, StudyDetail, StudySummary, TrialsEvent } from '../../src/dashboard/api-types.js';
import { switchable, testDashboard } from './helpers.js';

const DIST = { type: 'float', low: 0, high: 1, scale: 'linear' } as const;

/** A study with `n` complete trials, x = 0.1, 0.2, ..., values `first`, `first` + 1, ... */
async function withTrials(n: number, first = 0): Promise<{ storage: MemoryStorage; studyId: number }> {
  const storage = new MemoryStorage();
  const study = await storage.createStudy({ name: 's', direction: 'minimize' });
  for (let i = 0; i < n; i++) {
    const t = (await storage.claimTrial(study.id))!;
    await storage.updateTrial(t.id, { params: [{ name: 'x', value: (i + 1) / 10, distribution: DIST }], finish: { state: 'complete', value: first + i } });
  }
  return { storage, studyId: study.id };
}

/** The server-sent events in `text`, in order: each one's name and its data parsed. */
function events(text: string): { name: string; data: unknown }[] {
  return text.split('\n\n').filter((b) => /^event: /m.test(b)).map((b) => ({ name: /^event: (.*)$/m.exec(b)![1], data: JSON.parse(/^data: (.*)$/m.exec(b)![1]) as unknown }));
}

test('the mirror replaces its trials on a reset; a page from before it gets a reset event with only the cursor', async () => {
  const before = await withTrials(5);
  const { storage, crash } = switchable(before.storage);
  const mirror = new StudyMirror(storage, 0, (await storage.getStudy('s'))!);
  await mirror.refresh(0);
  assert.equal(mirror.trials.filter(Boolean).length, 5);
  const seenCursor = mirror.cursor;

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
  // One that connects from the mirror's cursor is not reset.
  const current: string[] = [];
  feed.watch({ ...res, write: (t: string) => void current.push(t) } as never, mirror.cursor);
  // A reset the feed's poll finds goes to every page watching.
  const crashAgain = await withTrials(1);
  crash(crashAgain.storage);
  await mirror.refresh(0);
  feed.close();
  const seen = events(written.join(''));
  assert.deepEqual(seen.map((e) => e.name), ['reset', 'reset'], 'a reset event on connecting, and one when the poll finds the next reset');
  for (const e of seen) assert.deepEqual(Object.keys(e.data as object), ['cursor'], 'a reset event carries no trial rows');
  assert.deepEqual(events(current.join('')).map((e) => e.name), ['ready', 'reset']);
  assert.equal((seen[1].data as ResetEvent).cursor, mirror.cursor);
});

test('a page from before a reset loads the study again and holds what the storage holds, then follows changes after it', async () => {
  const before = await withTrials(5);
  const { storage, crash } = switchable(before.storage);
  const d = await testDashboard({ storage: [storage], pollMs: 50 });
  try {
    const [summary] = (await d.get<StudySummary[]>('/api/studies')).body;
    const columns = async () => {
      const { header, trials } = decodeTrialColumns(await (await fetch(`${d.url}api/studies/${summary.key}/trials`)).arrayBuffer());
      return { ...header, trials } as StudyDetail;
    };
    const page = studyModel(await columns());
    assert.deepEqual(page.trials.map((t) => t.value), [0, 1, 2, 3, 4]);

    // The crash rolled back every trial; three were written again, with other values.
    const after = await withTrials(3, 10);
    crash(after.storage);
    const abort = new AbortController();
    const res = await fetch(`${d.url}api/studies/${summary.key}/events?since=${page.cursor}`, { signal: abort.signal });
    let text = '';
    const decoder = new TextDecoder();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    while (!/event: reset\n.*\n\n/.test(text)) text += decoder.decode((await reader.read()).value, { stream: true });
    // The stream may first say it is ready (the server had not read the storage since the crash), then the reset.
    const reset = events(text).find((e) => e.name === 'reset')!;
    assert.deepEqual(events(text).map((e) => e.name).filter((n) => n !== 'ready'), ['reset'], 'no trials event before it');
    assert.deepEqual(Object.keys(reset.data as object), ['cursor'], 'the event carries no trial rows');

    // What the page does on it: load the columns again and replace what it holds (merging would keep trials 3 and 4).
    replaceStudy(page, await columns());
    const stored = (await storage.trialsSince(after.studyId, 0)).trials;
    assert.deepEqual(page.trials.map((t) => [t.number, t.value, t.state]), stored.map((t) => [t.number, t.value, t.state]), 'the page holds what the storage holds');
    assert.ok(page.cursor >= (reset.data as ResetEvent).cursor);
    assert.equal(page.summary.counts.complete, 3);

    // Changes after the reset come as trials events and merge.
    const t = (await after.storage.claimTrial(after.studyId))!;
    await after.storage.updateTrial(t.id, { params: [{ name: 'x', value: 0.7, distribution: DIST }], finish: { state: 'complete', value: 7 } });
    for (;;) {
      const trials = events(text).filter((e) => e.name === 'trials').map((e) => e.data as TrialsEvent);
      const change = trials.find((e) => e.trials.some((r) => r.number === 3 && r.state === 'complete'));
      if (change) {
        applyEvent(page, change);
        break;
      }
      text += decoder.decode((await reader.read()).value, { stream: true });
    }
    abort.abort();
    assert.deepEqual(page.trials.map((r) => r.value), [10, 11, 12, 7]);
  } finally {
    await d.close();
  }
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
