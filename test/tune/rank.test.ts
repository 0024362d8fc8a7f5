import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestOf, compareValues, isBetter, isRanked, rankTrials } from '../../src/tune/rank.js';
import { TrialHistory } from '../../src/tune/samplers/tpe/history.js';
import type { Direction, FrozenTrial, TrialState } from '../../src/tune/types.js';
import { Rng } from '../../src/util/rng.js';
import { MemoryStudy } from './helpers.js';

const row = (number: number, state: TrialState, value?: number | null) => ({ number, state, value });

test('rankTrials: best first in the direction, ties to the earlier trial whatever the input order', () => {
  const trials = [row(0, 'complete', 3), row(1, 'complete', 1), row(2, 'complete', 2), row(3, 'complete', 1), row(4, 'complete', 3)];
  const shuffled = [trials[4], trials[3], trials[0], trials[2], trials[1]];
  assert.deepEqual(rankTrials(shuffled, 'minimize').map((t) => t.number), [1, 3, 2, 0, 4]);
  assert.deepEqual(rankTrials(shuffled, 'maximize').map((t) => t.number), [0, 4, 2, 1, 3]);
  assert.deepEqual(shuffled.map((t) => t.number), [4, 3, 0, 2, 1], 'the input keeps its order');
});

test('rankTrials: only complete trials with a finite value; NaN, the infinities, null and no value are left out, never first', () => {
  const trials = [
    row(0, 'complete', NaN), row(1, 'complete', -Infinity), row(2, 'complete', Infinity), row(3, 'complete', null), row(4, 'complete'),
    row(5, 'pruned', -100), row(6, 'failed'), row(7, 'running'), row(8, 'waiting'), row(9, 'complete', 0.5), row(10, 'complete', -0.5),
  ];
  assert.deepEqual(rankTrials(trials, 'minimize').map((t) => t.number), [10, 9]);
  assert.deepEqual(rankTrials(trials, 'maximize').map((t) => t.number), [9, 10]);
  assert.equal(bestOf(trials, 'minimize')?.number, 10);
  assert.equal(bestOf(trials, 'maximize')?.number, 9);
  assert.equal(bestOf(trials.slice(0, 9), 'minimize'), undefined);
  assert.equal(isRanked(row(0, 'complete', 0)), true);
  assert.equal(isRanked(row(0, 'complete', NaN)), false);
});

test('bestOf is the first of rankTrials, on random studies with many ties, in both directions', () => {
  const rng = new Rng(7);
  for (let s = 0; s < 200; s++) {
    const n = 1 + Math.floor(rng.uniform() * 12);
    const trials = Array.from({ length: n }, (_, i) => row(i, rng.uniform() < 0.8 ? 'complete' : 'pruned', Math.floor(rng.uniform() * 4)));
    const order = [...trials].sort(() => rng.uniform() - 0.5);
    for (const direction of ['minimize', 'maximize'] as Direction[]) {
      assert.equal(bestOf(order, direction)?.number, rankTrials(order, direction)[0]?.number, `study ${s} ${direction}`);
    }
  }
});

test('compareValues and isBetter: lower is better when minimizing, higher when maximizing, equal is not better', () => {
  assert.deepEqual([3, 1, 2].sort((a, b) => compareValues('minimize', a, b)), [1, 2, 3]);
  assert.deepEqual([3, 1, 2].sort((a, b) => compareValues('maximize', a, b)), [3, 2, 1]);
  assert.equal(isBetter('minimize', 0.1, 0.2), true);
  assert.equal(isBetter('maximize', 0.1, 0.2), false);
  assert.equal(isBetter('maximize', 0.2, 0.2), false);
});

test("TPE's history keeps its complete trials in rankTrials' order, trials arriving in any order", () => {
  const rng = new Rng(3);
  for (const direction of ['minimize', 'maximize'] as Direction[]) {
    const study = new MemoryStudy(direction);
    for (let i = 0; i < 60; i++) {
      const r = rng.uniform();
      if (r < 0.7) study.add({ state: 'complete', value: Math.floor(rng.uniform() * 10) });
      else study.add({ state: 'pruned', intermediate: [Math.floor(rng.uniform() * 10)] });
    }
    const history = new TrialHistory(direction);
    const arrival: FrozenTrial[] = [...study.trials()].sort(() => rng.uniform() - 0.5);
    for (const t of arrival) history.add(t);
    const completeNumbers = history.ranked.filter((o) => o.tier === 0).map((o) => o.number);
    assert.deepEqual(completeNumbers, rankTrials(study.trials(), direction).map((t) => t.number), direction);
    assert.deepEqual(history.ranked.slice(0, completeNumbers.length).map((o) => o.tier), completeNumbers.map(() => 0), 'complete trials rank before pruned ones');
  }
});
