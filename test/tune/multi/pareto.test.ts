import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFeasible, violation } from '../../../src/tune/multi/constraints.js';
import { dominates, paretoFront } from '../../../src/tune/multi/pareto.js';

test('dominance follows each objective in its own direction', () => {
  const dirs = ['maximize', 'minimize'] as const;
  assert.equal(dominates([0.9, 2], [0.8, 3], dirs), true);
  assert.equal(dominates([0.9, 3], [0.8, 3], dirs), true);
  assert.equal(dominates([0.9, 4], [0.8, 3], dirs), false);
  assert.equal(dominates([0.8, 3], [0.8, 3], dirs), false, 'equal vectors do not dominate');
});

test('the front keeps non-dominated, complete, feasible trials in number order', () => {
  const t = (number: number, values: number[] | null, extra: object = {}) => ({ number, state: 'complete', values, ...extra });
  const trials = [
    t(0, [0.8, 5]),
    t(1, [0.9, 4]), // dominates 0
    t(2, [0.7, 1]),
    t(3, [0.95, 10]),
    t(4, [0.99, 0.5], { constraints: [1] }), // would dominate all, but infeasible
    t(5, [0.9, 4]), // equal to 1: both stay
    { number: 6, state: 'pruned', values: [1, 0] },
    t(7, [Number.NaN, 0]),
    t(8, [0.5]), // wrong length
  ];
  assert.deepEqual(
    paretoFront(trials, ['maximize', 'minimize']).map((x) => x.number),
    [1, 2, 3, 5],
  );
});

test('feasibility: every constraint <= 0, NaN a violation, none means feasible', () => {
  assert.equal(isFeasible({}), true);
  assert.equal(isFeasible({ constraints: [0, -3] }), true);
  assert.equal(isFeasible({ constraints: [0, 1e-9] }), false);
  assert.equal(isFeasible({ constraints: [Number.NaN] }), false);
  assert.equal(violation({ constraints: [2, -1, 0.5] }), 2.5);
  assert.equal(violation({ constraints: [Number.NaN] }), Infinity);
});

test('the default reference point is the worst value of each objective, a tenth of its range further out', async () => {
  const { nadirReference } = await import('../../../src/tune/multi/reference.js');
  const ref = nadirReference([[0.9, 2], [0.8, 1]], ['maximize', 'minimize']);
  assert.ok(Math.abs(ref[0] - 0.79) < 1e-12 && Math.abs(ref[1] - 2.1) < 1e-12, String(ref));
  assert.deepEqual(nadirReference([[5, 0]], ['minimize', 'minimize']), [5.5, 1]);
  assert.throws(() => nadirReference([], ['minimize']), /at least one trial/);
});

test('one summary of a front: names recorded or numbered, the front of feasible trials and its hypervolume', async () => {
  const { objectiveNames, recordedMetricNames, summarizeFront } = await import('../../../src/tune/multi/summary.js');
  const dirs = ['maximize', 'minimize'] as const;
  assert.deepEqual(objectiveNames(dirs, { metricNames: ['acc', 'ms'] }), ['acc', 'ms']);
  assert.deepEqual(objectiveNames(dirs, { metricNames: ['acc'] }), ['objective 0', 'objective 1'], 'a list of the wrong length is not theirs');
  assert.equal(recordedMetricNames(dirs, {}), undefined);
  const t = (number: number, values: number[], constraints?: number[]) => ({ number, state: 'complete', values, ...(constraints ? { constraints } : {}) });
  const s = summarizeFront([t(0, [0.8, 2]), t(1, [0.9, 4]), t(2, [0.7, 3]), t(3, [1, 0], [1])], dirs)!;
  assert.deepEqual(s.front.map((x) => x.number), [0, 1]);
  assert.deepEqual(s.feasible.map((x) => x.number), [0, 1, 2]);
  // Reference: worst accuracy 0.7 - 0.02, worst time 4 + 0.2; the front's two boxes overlap in [0.68, 0.8] x [2, 4.2].
  assert.ok(Math.abs(s.reference[0] - 0.68) < 1e-12 && Math.abs(s.reference[1] - 4.2) < 1e-12, String(s.reference));
  const expected = (0.8 - 0.68) * (4.2 - 2) + (0.9 - 0.8) * (4.2 - 4);
  assert.ok(Math.abs(s.hypervolume - expected) < 1e-12, `${s.hypervolume} vs ${expected}`);
  assert.equal(summarizeFront([t(0, [1, 1], [2])], dirs), undefined, 'no feasible trial, no front');
});
