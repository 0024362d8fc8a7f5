import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration, parseExperiment, readExperiment } from '../../src/experiment/spec.js';
import { ConfigError } from '../../src/experiment/problems.js';

function problemsOf(raw: unknown): string[] {
  try {
    parseExperiment(raw, 'exp.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return [...err.problems];
  }
  assert.fail('expected a ConfigError');
}

test('a full experiment file parses with its defaults filled in', () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-exp-'));
  try {
    const path = join(dir, 'quick.yaml');
    writeFileSync(path, [
      '# a comment',
      'data: { source: spirals, classes: 4, perClass: 50, dev: 0.2 }',
      'model: { hidden: [32, 16], batchNorm: false, activation: tanh }',
      'train: { epochs: 5, optimizer: momentum, learningRate: 0.05, beta: 0.95 }',
      'tune:',
      '  trials: 8',
      '  sampler: { type: tpe, nStartupTrials: 4 }',
      '  pruner: none',
      '  timeout: 1m30s',
      '  space:',
      '    learningRate: { type: float, low: 0.001, high: 1, scale: log }',
      '    beta: { type: float, low: 0.9, high: 0.999, scale: oneMinusBeta }',
    ].join('\n'));
    const exp = readExperiment(path);
    assert.equal(exp.name, 'quick');
    assert.equal(exp.seed, 1);
    assert.deepEqual(exp.data, { source: 'spirals', classes: 4, perClass: 50, dev: 0.2, test: 0.15 });
    assert.deepEqual(exp.settings.hidden, [32, 16]);
    assert.equal(exp.settings.activation, 'tanh');
    assert.equal(exp.settings.optimizer, 'momentum');
    assert.equal(exp.settings.beta, 0.95);
    assert.equal(exp.settings.batchSize, 64);
    assert.equal(exp.tune?.trials, 8);
    assert.equal(exp.tune?.direction, 'maximize');
    assert.deepEqual(exp.tune?.sampler, { name: 'tpe', options: { nStartupTrials: 4 } });
    assert.equal(exp.tune?.pruner.name, 'none');
    assert.equal(exp.tune?.timeoutMs, 90_000);
    assert.deepEqual(Object.keys(exp.tune!.space!), ['learningRate', 'beta']);
    assert.match(exp.output, /caviar-out\/quick$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every problem of a file is reported at once, each with its field path', () => {
  const problems = problemsOf({
    data: { source: 'spirals', clases: 3 },
    model: { hidden: [64, 'x'] },
    train: { epochs: '10', learningRate: 0, optimiser: 'adam' },
    tune: {
      sampler: 'tpee',
      space: {
        learningRate: { type: 'float', low: 0, high: 1, scale: 'log' },
        hiddenUnits: { type: 'int', low: 100, high: 50 },
        momentum: [0.9, 0.99],
      },
    },
  });
  const expected = [
    /^data\.clases: unknown field \(did you mean 'classes'\?\)/,
    /^model\.hidden\[1\]: expected a positive integer, got "x"/,
    /^train\.optimiser: unknown field \(did you mean 'optimizer'\?\)/,
    /^train\.epochs: expected an integer >= 1, got "10"/,
    /^train\.learningRate: expected a number > 0, got 0/,
    /^tune\.sampler: unknown sampler 'tpee' \(did you mean 'tpe'\?\); expected one of grid, random, sobol, coarse-to-fine, tpe/,
    /tune\.space\.learningRate.*low.*> 0|tune\.space\.learningRate.*log/,
    /tune\.space\.hiddenUnits.*low.*high/,
    /^tune\.space\.momentum: not a setting caviar can tune; expected one of learningRate, beta/,
  ];
  for (const pattern of expected) assert.ok(problems.some((p) => pattern.test(p)), `no problem matches ${pattern}:\n${problems.join('\n')}`);
  assert.equal(problems.length, expected.length, problems.join('\n'));
});

test('the error message names the file and counts the problems', () => {
  assert.throws(() => parseExperiment({ data: { source: 'mnist' }, extra: 1 }, 'exp.yaml'), (err: Error) => {
    assert.match(err.message, /^exp\.yaml: 2 problems:/);
    assert.match(err.message, /extra: unknown field; expected one of name, seed, data, model, train, tune, output/);
    assert.match(err.message, /data\.source: expected one of spirals, blobs, circles, xor, fashion-mnist, idx, csv, got "mnist"/);
    return true;
  });
  assert.throws(() => parseExperiment({}, 'e.json'), /e\.json: 1 problem:\n  data: missing; expected a mapping with source/);
  assert.throws(() => parseExperiment([1, 2], 'e.json'), /e\.json: 1 problem:\n  expected a mapping/);
});

test('YAML syntax errors and missing files name the file and the line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-exp-'));
  try {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'data:\n  source: spirals\n  source: blobs\n');
    assert.throws(() => readExperiment(bad), /bad\.yaml: 1 problem:\n  line 3, column 3: Map keys must be unique/);
    assert.throws(() => readExperiment(join(dir, 'missing.yaml')), /missing\.yaml: 1 problem:\n  no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('data paths resolve against the experiment file, and idx/csv need their fields', () => {
  const exp = parseExperiment({ data: { source: 'idx', images: 'a.idx', labels: 'b.idx' } }, '/x/y/exp.yaml');
  assert.equal(exp.data.images, '/x/y/a.idx');
  const problems = problemsOf({ data: { source: 'csv', path: 'd.csv' } });
  assert.deepEqual(problems, ['data.label: missing; expected the name of the label column']);
});

test('durations', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration(30), 30_000);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(parseDuration('10 minutes'), undefined);
});
