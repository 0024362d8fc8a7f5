import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyParams, defaultSpace, tiersForBudget } from '../../src/experiment/params.js';
import { DEFAULT_SETTINGS, layersFor } from '../../src/experiment/settings.js';
import { parseSpace } from '../../src/tune/space/declarative.js';

test("the built-in space follows the course's priorities and widens with the budget", () => {
  assert.deepEqual(Object.keys(defaultSpace(5, { optimizer: 'momentum' })), ['learningRate']);
  assert.deepEqual(Object.keys(defaultSpace(20, { optimizer: 'momentum' })).sort(), ['batchSize', 'beta', 'hiddenUnits', 'learningRate']);
  assert.deepEqual(Object.keys(defaultSpace(20, { optimizer: 'adam' })).sort(), ['batchSize', 'hiddenUnits', 'learningRate']);
  assert.deepEqual(Object.keys(defaultSpace(100, { optimizer: 'momentum' })).sort(), ['batchSize', 'beta', 'hiddenUnits', 'layers', 'learningRate', 'lrDecay']);
  assert.deepEqual([1, 9, 10, 29, 30].map(tiersForBudget), [1, 1, 2, 2, 3]);
  const space = defaultSpace(100, { optimizer: 'momentum' });
  assert.deepEqual(space.learningRate, { type: 'float', low: 1e-4, high: 1, scale: 'log' });
  assert.deepEqual(space.beta, { type: 'float', low: 0.9, high: 0.999, scale: 'oneMinusBeta' });
  // The built-in space is itself a valid declarative space.
  assert.equal(parseSpace(space, 'default').params.length, 6);
});

test('parameters apply to the settings by name; layers before hiddenUnits', () => {
  const s = applyParams(DEFAULT_SETTINGS, { hiddenUnits: 100, layers: 3, learningRate: 0.05, batchSize: 128 });
  assert.deepEqual(s.hidden, [100, 100, 100]);
  assert.equal(s.learningRate, 0.05);
  assert.equal(s.batchSize, 128);
  assert.deepEqual(DEFAULT_SETTINGS.hidden, [64, 64], 'the defaults are not changed');
  assert.throws(() => applyParams(DEFAULT_SETTINGS, { units: 3 }), /parameter 'units' is not a tunable setting; expected one of learningRate/);
  assert.throws(() => applyParams(DEFAULT_SETTINGS, { learningRate: -1 }), /parameter 'learningRate': expected > 0, got -1/);
  assert.throws(() => applyParams(DEFAULT_SETTINGS, { optimizer: 'adamw' }), /parameter 'optimizer': expected one of sgd, momentum, rmsprop, adam/);
});

test('the MLP shorthand becomes dense (no bias before batch norm), batch norm, activation, dropout, output', () => {
  const layers = layersFor({ ...DEFAULT_SETTINGS, hidden: [8], dropout: 0.2 }, 3);
  assert.deepEqual(layers, [
    { type: 'dense', units: 8, bias: false, init: 'he' },
    { type: 'batchNorm' },
    { type: 'relu' },
    { type: 'dropout', rate: 0.2 },
    { type: 'dense', units: 3, init: 'xavier' },
  ]);
  const plain = layersFor({ ...DEFAULT_SETTINGS, hidden: [4], batchNorm: false, activation: 'tanh' }, 2);
  assert.deepEqual(plain, [{ type: 'dense', units: 4, bias: true, init: 'xavier' }, { type: 'tanh' }, { type: 'dense', units: 2, init: 'xavier' }]);
});
