import { test } from 'node:test';
import assert from 'node:assert/strict';
import { narrowParam } from '../../../src/tune/space/narrow.js';
import { categorical, floatParam, intParam } from '../../../src/tune/space/distributions.js';

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);

test('a log parameter: the hull in log10, padded by margin times the width of the range being narrowed', () => {
  const lr = floatParam(1e-4, 1, { scale: 'log' });
  const r = narrowParam(lr, [0.001, 0.01, 0.003], { margin: 0.1 });
  close(r.internal.low, -3 - 0.4, 'low'); // the whole range is 4 decades: 0.4 of padding
  close(r.internal.high, -2 + 0.4, 'high');
  // Within a previous region of 1 decade, the padding is 0.1 decade.
  const inner = narrowParam(lr, [0.001, 0.01], { margin: 0.1, within: { low: -3.5, high: -2.5 } });
  close(inner.internal.low, -3.1, 'low within');
  close(inner.internal.high, -1.9, 'high within');
});

test('a hull of one point still leaves a region 2 * margin of the last one wide; the whole range clips it', () => {
  const x = floatParam(0, 10);
  const point = narrowParam(x, [4, 4], { margin: 0.1 });
  assert.deepEqual(point.internal, { low: 3, high: 5 });
  const edge = narrowParam(x, [9.8], { margin: 0.1 });
  assert.deepEqual(edge.internal, { low: 8.8, high: 10 });
});

test('a beta on oneMinusBeta: the hull in log10(1 - beta), reversed', () => {
  const beta = floatParam(0.9, 0.999, { scale: 'oneMinusBeta' });
  const r = narrowParam(beta, [0.99, 0.999], { margin: 0 });
  close(r.internal.low, -3, 'low');
  close(r.internal.high, -2, 'high');
});

test('a discrete parameter keeps the cells of its values: an integer on its own is one value wide', () => {
  const units = intParam(50, 100);
  assert.deepEqual(narrowParam(units, [73], { margin: 0 }).internal, { low: 72.5, high: 73.5 });
  const logUnits = intParam(16, 512, { scale: 'log' });
  const r = narrowParam(logUnits, [64, 128], { margin: 0 });
  close(r.internal.low, Math.log10(63.5), 'log int low');
  close(r.internal.high, Math.log10(128.5), 'log int high');
  const stepped = floatParam(0, 1, { step: 0.25 });
  assert.deepEqual(narrowParam(stepped, [0.5], { margin: 0 }).internal, { low: 0.375, high: 0.625 });
});

test('a categorical parameter keeps the choices the values used, in its own order', () => {
  const opt = categorical(['adam', 'sgd', 'rmsprop', null]);
  assert.deepEqual(narrowParam(opt, ['rmsprop', 'adam', 'rmsprop'], { margin: 0.1 }), { type: 'categorical', choices: ['adam', 'rmsprop'] });
  assert.deepEqual(narrowParam(opt, [null], { margin: 0.1 }).choices, [null]);
});

test('no values, a negative margin or a value of the wrong kind is an error', () => {
  assert.throws(() => narrowParam(floatParam(0, 1), [], { margin: 0.1 }), /at least one trial/);
  assert.throws(() => narrowParam(floatParam(0, 1), [0.5], { margin: -1 }), /margin must be >= 0/);
  assert.throws(() => narrowParam(floatParam(0, 1), ['a'], { margin: 0.1 }), /a float parameter took the value a/);
});
