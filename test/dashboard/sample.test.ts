/**
 * What the study page's charts draw of a large study: the best trials by
 * the ranking rule (ties to the earlier trial), an even spread of the rest,
 * and quantiles for the learning curves' band.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrialRow } from '../../src/dashboard/api-types.js';
import { evenly, quantile, sampleTrials, topK } from '../../src/dashboard/web/charts/sample.js';
import { rankTrials } from '../../src/tune/rank.js';
import type { StudyModel } from '../../src/dashboard/web/study-model.js';

function model(values: (number | null)[], direction: 'minimize' | 'maximize'): StudyModel {
  const trials = values.map((value, number): TrialRow => ({
    key: `0-${number}`, number, state: value === null ? 'pruned' : 'complete', value, params: {}, steps: [], values: [],
    startedAt: null, completedAt: null, origin: null, pbt: null, retryOf: null, failReason: null, testAccuracy: null, worker: null,
  }));
  return { key: '0-0', direction, summary: {} as StudyModel['summary'], trials, distributions: {}, regions: [], cursor: 0, version: 0, finishedLog: [] };
}

test('topK: the k best as rankTrials orders them, ties to the earlier trial, in both directions', () => {
  // Values with many ties (a coarse grid), so the cut falls inside a run of equal values.
  const values = Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 97) / 10);
  for (const direction of ['minimize', 'maximize'] as const) {
    const m = model(values, direction);
    const ranked = rankTrials(m.trials, direction);
    for (const k of [1, 10, 333, 4999, 5000, 6000]) {
      assert.deepEqual(topK(m.trials, k, (t) => t.value!, direction).map((t) => t.number), ranked.slice(0, k).map((t) => t.number), `${direction}, k ${k}`);
    }
  }
});

test('sampleTrials: all complete trials in trial order when they fit; past the cap a third best, the rest evenly spread', () => {
  const values = Array.from({ length: 3000 }, (_, i) => (i % 5 === 3 ? null : Math.sin(i) * 100));
  const m = model(values, 'maximize');
  const complete = m.trials.filter((t) => t.state === 'complete');
  const all = sampleTrials(m, 10_000);
  assert.deepEqual(all.trials.map((t) => t.number), complete.map((t) => t.number));
  assert.equal(all.best, 0);
  const some = sampleTrials(m, 300);
  assert.equal(some.total, complete.length);
  assert.equal(some.best, 100);
  assert.equal(some.trials.length, 300);
  assert.deepEqual(some.trials.slice(0, 100).map((t) => t.number), rankTrials(complete, 'maximize').slice(0, 100).map((t) => t.number));
  const others = some.trials.slice(100).map((t) => t.number);
  assert.deepEqual(others, [...others].sort((a, b) => a - b), 'the others in trial order');
  assert.equal(new Set(some.trials).size, 300, 'no trial twice');
  assert.ok(others[0] < 30 && others.at(-1)! > 2900, `spread over the study: ${others[0]}..${others.at(-1)}`);
  assert.deepEqual(evenly([1, 2, 3, 4, 5, 6], 3), [1, 3, 5]);
});

test('quantile: linear between neighbours, as numpy', () => {
  const sorted = Float64Array.from([1, 2, 3, 4, 10]);
  assert.equal(quantile(sorted, 0), 1);
  assert.equal(quantile(sorted, 0.5), 3);
  assert.equal(quantile(sorted, 1), 10);
  assert.ok(Math.abs(quantile(sorted, 0.9) - 7.6) < 1e-12); // numpy.quantile([1, 2, 3, 4, 10], 0.9)
  assert.equal(quantile(Float64Array.from([5]), 0.25), 5);
});
