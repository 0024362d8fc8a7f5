/**
 * fANOVA runs in a worker thread: while the server computes a study's
 * parameter importance (about half a second at 1,000 trials), it keeps
 * answering other requests. Before, the forest was fitted on the event loop
 * and every other request waited for it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImportanceAnswer, StudySummary } from '../../src/dashboard/api-types.js';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';
import { makeStudy } from './fixtures.js';
import { testDashboard, type TestDashboard } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-dash-importance-'));
let d: TestDashboard;
let key: string;

before(async () => {
  const storage = await SqliteStorage.open(join(dir, 'study.db'));
  // 1,200 trials: about 1,000 complete, the most fANOVA takes.
  await makeStudy(storage, { name: 'importance', trials: 1200 });
  await storage.close();
  d = await testDashboard({ storage: join(dir, 'study.db') });
  [{ key }] = (await d.get<StudySummary[]>('/api/studies')).body;
});

after(async () => {
  await d?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('importance: the server answers other requests while fANOVA computes, and the answer is right', async () => {
  let answered: { status: number; body: ImportanceAnswer } | undefined;
  const importance = d.get<ImportanceAnswer>(`/api/studies/${key}/importance`).then((a) => (answered = a));
  // One request after another, each sent when the last came back: on the event loop's fANOVA, at most the first
  // could slip in before the forest started, and the rest would wait for it.
  let meanwhile = 0;
  while (answered === undefined) {
    const { status } = await d.get('/api/session');
    assert.equal(status, 200);
    if (answered === undefined) meanwhile++;
  }
  await importance;
  assert.ok(meanwhile >= 5, `${meanwhile} requests answered while fANOVA computed`);
  assert.equal(answered.status, 200);
  assert.equal(answered.body.message, null);
  assert.equal(answered.body.trials, 960, 'the complete trials: 1,200 less 239 pruned and 1 failed');
  assert.equal(answered.body.importance[0].name, 'learningRate', 'the fixture makes the learning rate matter most');
  const total = answered.body.importance.reduce((s, x) => s + x.importance, 0);
  assert.ok(Math.abs(total - 1) < 1e-9, `importances sum to 1, got ${total}`);
});

test('importance: two requests at once get one answer; a study too small for fANOVA says why', async () => {
  const storage = await SqliteStorage.open(join(dir, 'small.db'));
  await makeStudy(storage, { name: 'tiny', trials: 1 });
  await storage.close();
  const small = await testDashboard({ storage: join(dir, 'small.db') });
  try {
    const [{ key: tiny }] = (await small.get<StudySummary[]>('/api/studies')).body;
    const [a, b] = await Promise.all([0, 1].map(() => small.get<ImportanceAnswer>(`/api/studies/${tiny}/importance`)));
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, b.body);
    assert.deepEqual(a.body.importance, []);
    assert.match(a.body.message!, /needs at least 2 complete trials and a finite target; got 1/);
    assert.equal(a.body.trials, 1);
  } finally {
    await small.close();
  }
});
