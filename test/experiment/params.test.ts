import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyParams, defaultSpace, tiersForBudget } from '../../src/experiment/params.js';
import { DEFAULT_SETTINGS, SETTINGS, layersFor, type SettingName } from '../../src/experiment/settings.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import { ConfigError } from '../../src/experiment/problems.js';
import type { ParamValue } from '../../src/tune/types.js';
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
  assert.throws(() => applyParams(DEFAULT_SETTINGS, { learningRate: -1 }), /parameter 'learningRate': expected a number > 0, got -1/);
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

test("every one-value setting: the experiment file and a trial's parameter accept and refuse the same values, with the same words", () => {
  // A value each rule refuses, and one it takes that differs from the default.
  const cases: Record<SettingName, [bad: ParamValue, good: ParamValue]> = {
    learningRate: [0, 0.05], beta: [1, 0.95], beta1: [-0.1, 0.8], beta2: [1.5, 0.99], eps: [0, 1e-6],
    batchSize: [2.5, 32], epochs: [0, 3], lrDecay: [-1, 0.1], l2: [-0.5, 0.01],
    optimizer: ['adamw', 'momentum'], normalizeInputs: ['yes', false],
    dropout: [1, 0.3], activation: ['gelu', 'tanh'], batchNorm: [1, false],
  };
  assert.deepEqual(Object.keys(cases).sort(), Object.keys(SETTINGS).sort(), 'a case for every setting');
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const [bad, good] = cases[name];
    const section = SETTINGS[name].section;
    const raw = (v: ParamValue) => ({ data: { source: 'spirals' }, [section]: { [name]: v } });
    let fileMessage = '';
    try {
      parseExperiment(raw(bad), 'exp.yaml');
      assert.fail(`${name}: the file took ${String(bad)}`);
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      fileMessage = (err as ConfigError).problems.find((p) => p.startsWith(`${section}.${name}: `))!.slice(`${section}.${name}: `.length);
    }
    assert.ok(fileMessage.startsWith('expected '), `${name}: ${fileMessage}`);
    assert.equal(parseExperiment(raw(good), 'exp.yaml').settings[name], good, `${name}: the file's value`);
    if ('tunable' in SETTINGS[name]) {
      assert.throws(() => applyParams(DEFAULT_SETTINGS, { [name]: good }), new RegExp(`parameter '${name}' is not a tunable setting`));
      continue;
    }
    assert.throws(() => applyParams(DEFAULT_SETTINGS, { [name]: bad }), (e: Error) => e.message === `parameter '${name}': ${fileMessage}`, name);
    assert.equal(applyParams(DEFAULT_SETTINGS, { [name]: good })[name], good, `${name}: the trial's value`);
  }
});
