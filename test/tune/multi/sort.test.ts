import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constrainedDominates, nonDominatedRanks, nonDominatedSort } from '../../../src/tune/multi/sort.js';
import { crowdingDistances } from '../../../src/tune/multi/crowding.js';
import { directionsOf, toLosses, trialLosses } from '../../../src/tune/multi/objectives.js';
import { Rng } from '../../../src/util/rng.js';

// Rank by peeling: a point's rank is the number of fronts removed before nothing dominates it.
function peelRanks(points: number[][]): number[] {
  const rank = points.map(() => -1);
  for (let r = 0; rank.includes(-1); r++) {
    const open = points.map((_, i) => i).filter((i) => rank[i] === -1);
    const front = open.filter((i) => !open.some((j) => points[j].every((x, k) => x <= points[i][k]) && points[j].some((x, k) => x < points[i][k])));
    for (const i of front) rank[i] = r;
  }
  return rank;
}

test('non-dominated sort: a known example, and peeling agrees on random sets', () => {
  assert.deepEqual(nonDominatedSort([[1, 4], [2, 2], [3, 3], [4, 1]]), [[0, 1, 3], [2]]);
  assert.deepEqual(nonDominatedSort([[3, 3], [2, 2], [1, 1]]), [[2], [1], [0]]);
  assert.deepEqual(nonDominatedSort([[1, 1], [1, 1]]), [[0, 1]], 'equal points share a front');
  const rng = new Rng(3);
  for (let rep = 0; rep < 20; rep++) {
    const m = 2 + (rep % 3);
    const points = Array.from({ length: 40 }, () => Array.from({ length: m }, () => rng.int(6)));
    assert.deepEqual([...nonDominatedRanks(points)], peelRanks(points));
  }
});

test('constrained domination: feasible first, then smaller violation, then Pareto', () => {
  assert.equal(constrainedDominates([5, 5], 0, [1, 1], 2), true);
  assert.equal(constrainedDominates([1, 1], 2, [5, 5], 0), false);
  assert.equal(constrainedDominates([5, 5], 1, [1, 1], 2), true);
  assert.equal(constrainedDominates([1, 1], 2, [1, 1], 2), false);
  assert.equal(constrainedDominates([1, 1], 0, [2, 2], 0), true);
  // Infeasible points rank by violation below every feasible one, whatever their values.
  const losses = [[0, 0], [5, 5], [1, 9], [9, 1], [0, 0]];
  assert.deepEqual(nonDominatedSort(losses, [3, 0, 0, 0, 1]), [[1, 2, 3], [4], [0]]);
});

test('crowding distance: ends are infinite, the inside is the normalised neighbour gap', () => {
  assert.deepEqual([...crowdingDistances([[0, 4], [1, 2], [2, 1], [4, 0]])], [Infinity, 1.25, 1.25, Infinity]);
  // A flat objective adds nothing; a single point is an end only if some objective varies.
  assert.deepEqual([...crowdingDistances([[0, 1], [1, 1], [3, 1]])], [Infinity, 1, Infinity]);
  assert.deepEqual([...crowdingDistances([[2, 2]])], [0]);
});

test('objectives as losses', () => {
  assert.deepEqual(toLosses([0.9, 12], ['maximize', 'minimize']), [-0.9, 12]);
  assert.deepEqual(directionsOf({ direction: 'maximize' }), ['maximize']);
  assert.deepEqual(directionsOf({ direction: 'maximize', directions: ['maximize', 'minimize'] }), ['maximize', 'minimize']);
  const base = { id: 1, number: 0, params: {}, distributions: {}, intermediate: new Map(), userAttrs: {}, systemAttrs: {} };
  assert.deepEqual(trialLosses({ ...base, state: 'complete', values: [0.9, 3] }, ['maximize', 'minimize']), [-0.9, 3]);
  assert.deepEqual(trialLosses({ ...base, state: 'complete', value: 2 }, ['maximize']), [-2]);
  assert.equal(trialLosses({ ...base, state: 'complete', values: [0.9, NaN] }, ['maximize', 'minimize']), null);
  assert.equal(trialLosses({ ...base, state: 'pruned', values: [0.9, 1] }, ['maximize', 'minimize']), null);
  assert.equal(trialLosses({ ...base, state: 'complete', values: [0.9] }, ['maximize', 'minimize']), null);
});
