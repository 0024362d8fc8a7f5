import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DistributionError,
  categorical,
  distributionContains,
  distributionProblems,
  floatParam,
  intParam,
} from '../../../src/tune/space/distributions.js';
import type { Distribution } from '../../../src/tune/types.js';

const problems = (d: unknown) => distributionProblems(d as Distribution).map((p) => `${p.field}: ${p.message}`);

test('constructors build valid distributions', () => {
  assert.deepEqual(floatParam(1e-4, 1, { scale: 'log' }), { type: 'float', low: 1e-4, high: 1, scale: 'log' });
  assert.deepEqual(intParam(50, 100), { type: 'int', low: 50, high: 100, step: 1, scale: 'linear' });
  assert.deepEqual(categorical(['a', 1, null]), { type: 'categorical', choices: ['a', 1, null] });
  assert.deepEqual(floatParam(0, 1, { step: 0.1 }).step, 0.1); // 0.1 divides 1 despite rounding
});

test('every problem is reported with its field', () => {
  assert.deepEqual(problems({ type: 'float', low: 0, high: 1, scale: 'log' }), ['low: expected a number > 0 for a log scale, got 0']);
  assert.deepEqual(problems({ type: 'float', low: 2, high: 1, scale: 'linear' }), ['low: expected low <= high (1), got 2']);
  assert.deepEqual(problems({ type: 'float', low: 0.9, high: 1, scale: 'oneMinusBeta' }), [
    'high: expected a number in (0, 1) for the oneMinusBeta scale, got 1',
  ]);
  assert.deepEqual(problems({ type: 'float', low: 0, high: 1, scale: 'linear', step: 0.3 }), [
    'step: step 0.3 does not divide the range 0..1 (width 1)',
  ]);
  assert.deepEqual(problems({ type: 'float', low: 1e-3, high: 1, scale: 'log', step: 0.1 }), ['step: a step needs the linear scale, got scale log']);
  assert.deepEqual(problems({ type: 'int', low: 0, high: 10, step: 1, scale: 'log' }), ['low: expected an integer >= 1 for a log scale, got 0']);
  assert.deepEqual(problems({ type: 'int', low: 1.5, high: 'x', step: 1, scale: 'cubic' }), [
    "scale: expected one of linear, log, got 'cubic'",
    'low: expected an integer, got 1.5',
    "high: expected an integer, got 'x'",
  ]);
  assert.deepEqual(problems({ type: 'categorical', choices: [] }), ['choices: expected a non-empty list of values, got []']);
  assert.deepEqual(problems({ type: 'categorical', choices: ['a', 'a', {}] }), [
    "choices: choice 'a' appears twice",
    'choices: choice 2 must be a number, string, boolean or null, got {}',
  ]);
  assert.throws(() => floatParam(0, 1, { scale: 'log' }), (e: unknown) => e instanceof DistributionError && e.problems.length === 1);
  assert.throws(() => intParam(0, 10, { step: 3 }), /step 3 does not divide the range 0..10/);
});

test('distributionContains checks range, grid and choices', () => {
  const even = intParam(0, 10, { step: 2 });
  assert.equal(distributionContains(even, 4), true);
  assert.equal(distributionContains(even, 5), false);
  assert.equal(distributionContains(even, 12), false);
  assert.equal(distributionContains(floatParam(0.1, 0.5, { step: 0.1 }), 0.30000000000000004), true);
  assert.equal(distributionContains(floatParam(1e-4, 1, { scale: 'log' }), 0), false);
  assert.equal(distributionContains(floatParam(0, 1), NaN), false);
  assert.equal(distributionContains(intParam(0, 10), 2.5), false);
  const c = categorical(['1', 1, true]);
  assert.equal(distributionContains(c, 1), true);
  assert.equal(distributionContains(c, '1'), true);
  assert.equal(distributionContains(c, false), false);
});
