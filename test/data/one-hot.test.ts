import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oneHot } from '../../src/data/one-hot.js';

test('oneHot puts a single 1 at each label', () => {
  const m = oneHot(new Int32Array([2, 0, 1]), 3);
  assert.ok(m instanceof Float32Array);
  assert.deepEqual(Array.from(m), [0, 0, 1, 1, 0, 0, 0, 1, 0]);
  assert.throws(() => oneHot([3], 3), /y\[0\] is 3; labels must be integers in 0\.\.2/);
  assert.throws(() => oneHot([0.5], 3), /y\[0\] is 0\.5/);
  assert.throws(() => oneHot([0], 0), /classes must be a positive integer/);
});
