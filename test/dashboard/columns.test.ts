/**
 * The study's trials as binary columns (GET /api/studies/:key/trials) read
 * back by the page's decoder are the JSON answer's rows, value for value:
 * every state, pruned curves, a failure, lineage, a population, a retry,
 * recorded workers, categorical choices of strings and numbers, missing
 * parameters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StudyDetail, TrialRow } from '../../src/dashboard/api-types.js';
import { encodeTrialColumns } from '../../src/dashboard/server/columns.js';
import { curvePoints, decodeTrialColumns, paramOf } from '../../src/dashboard/web/columns.js';
import { MemoryStorage } from '../../src/tune/storage/memory.js';
import { makePbtStudy, makeStudy } from './fixtures.js';
import { testDashboard } from './helpers.js';

/** A decoded row as plain data: its fields, and the parameters and curve it reads from the columns when asked. */
function plain(t: TrialRow): TrialRow {
  return {
    key: t.key, number: t.number, state: t.state, value: t.value, params: t.params, steps: t.steps, values: t.values, startedAt: t.startedAt,
    completedAt: t.completedAt, origin: t.origin, pbt: t.pbt, retryOf: t.retryOf, failReason: t.failReason, testAccuracy: t.testAccuracy, worker: t.worker,
  };
}

function row(over: Partial<TrialRow> & { number: number }): TrialRow {
  return {
    key: `3-${100 + over.number}`, state: 'complete', value: 0.5, params: {}, steps: [], values: [], startedAt: 1000, completedAt: 2000,
    origin: null, pbt: null, retryOf: null, failReason: null, testAccuracy: null, worker: null, ...over,
  };
}

test('columns: rows of every kind come back as they went', () => {
  const trials: TrialRow[] = [
    row({ number: 0, params: { lr: 0.001234567, act: 'relu', units: 64, flag: true }, steps: [1, 2, 3], values: [0.1, null, 0.3], testAccuracy: 0.91, worker: 'alpha pid 1 slot 0' }),
    row({ number: 1, state: 'pruned', value: null, params: { lr: 0.5, act: 'tanh' }, steps: [1], values: [0.2], worker: 'beta pid 2 slot 1' }),
    row({ number: 2, state: 'failed', value: null, failReason: 'Error: boom', completedAt: 2500, worker: 'alpha pid 1 slot 0' }),
    row({ number: 3, state: 'running', value: null, completedAt: null, params: { units: 128, flag: false }, retryOf: 2,
      origin: { checkpointId: 7, trial: 0, trialKey: '3-100', step: 2.5, reason: 'fork' }, pbt: { member: 1, generation: 2 } }),
    row({ number: 4, state: 'waiting', value: null, startedAt: null, completedAt: null, params: { act: 'relu' } }),
  ];
  const detail: StudyDetail = {
    summary: { key: '3-9', name: 'mixed', storage: 'memory', direction: 'minimize', state: 'running', counts: { waiting: 1, running: 1, complete: 1, pruned: 1, failed: 1 }, metric: 'loss', best: 0.5, bestTrial: 0, lastActivity: 2500 },
    userAttrs: { note: 'x' }, distributions: {}, regions: [], trials, cursor: 42,
  };
  const bytes = encodeTrialColumns(detail, '3-');
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
  const { header, trials: back } = decodeTrialColumns(copy);
  assert.deepEqual(back.map(plain), trials);
  // The curve read in place: views on the columns, NaN where the row says null.
  const inPlace = curvePoints(back[0]);
  assert.deepEqual(Array.from(inPlace.steps), [1, 2, 3]);
  assert.deepEqual(Array.from(inPlace.values, (v) => (Number.isNaN(v) ? null : v)), [0.1, null, 0.3]);
  assert.deepEqual(curvePoints(trials[0]), { steps: [1, 2, 3], values: [0.1, null, 0.3] }, 'a plain row (a live event\'s) as it is');
  // One parameter read in place, before and after the row made its params object; a plain row's from its object.
  const fresh = decodeTrialColumns(copy).trials;
  assert.deepEqual(['lr', 'act', 'units', 'flag', 'nope'].map((n) => paramOf(fresh[0], n)), [0.001234567, 'relu', 64, true, undefined]);
  assert.deepEqual(['lr', 'units', 'flag'].map((n) => paramOf(fresh[3], n)), [undefined, 128, false]);
  assert.equal(paramOf(back[1], 'act'), 'tanh');
  assert.equal(paramOf(trials[1], 'lr'), 0.5);
  const { trials: _, ...study } = detail;
  for (const [k, v] of Object.entries(study)) assert.deepEqual(header[k as keyof typeof header], v, k);
  assert.deepEqual(header.params.map((p) => [p.name, p.choices]), [['lr', null], ['act', ['relu', 'tanh']], ['units', null], ['flag', [true, false]]]);
  assert.equal(header.workers.length, 2, 'each worker named once');
  assert.equal(header.columns.step.type, 'u32', 'whole steps as four bytes');
  const fractional = encodeTrialColumns({ ...detail, trials: [row({ number: 0, steps: [0.5, 2], values: [1, 2] })] }, '3-');
  const back2 = decodeTrialColumns(fractional.buffer.slice(fractional.byteOffset, fractional.byteOffset + fractional.length) as ArrayBuffer);
  assert.equal(back2.header.columns.step.type, 'f64', 'a step that is not whole keeps its double');
  assert.deepEqual(back2.trials[0].steps, [0.5, 2]);
  for (const ref of Object.values(header.columns)) assert.equal(ref.offset % 8, 0, 'every column aligned for its view');
});

test('columns: the server answers a study\'s trials as the JSON rows, at 2,000 trials and for a population', async () => {
  const storage = new MemoryStorage();
  await makeStudy(storage, { name: 'demo', trials: 2000, regions: true });
  await makePbtStudy(storage, 'population', 4, 3);
  const d = await testDashboard({ storage: [storage] });
  try {
    for (const key of ['0-1', '0-2']) {
      const json = (await d.get<StudyDetail>(`/api/studies/${key}`)).body;
      const res = await fetch(`${d.url}api/studies/${key}/trials`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/octet-stream');
      assert.ok(res.headers.get('content-security-policy'), 'the security headers, as every answer');
      const { header, trials } = decodeTrialColumns(await res.arrayBuffer());
      assert.deepEqual(trials.map(plain), json.trials, key);
      assert.equal(header.cursor, json.cursor);
      assert.deepEqual(header.summary, json.summary);
      assert.deepEqual(header.regions, json.regions);
      assert.deepEqual(header.distributions, json.distributions);
    }
  } finally {
    await d.close();
  }
});
