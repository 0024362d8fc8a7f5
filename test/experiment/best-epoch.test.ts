// The best epoch is what a trial keeps: its value is its best dev metric over
// its epochs, its model holds that epoch's weights, and the epoch is recorded;
// tune.epoch: last keeps the last epoch instead.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSplits } from '../../src/experiment/data.js';
import { trainRun } from '../../src/experiment/run.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import { loadModel } from '../../src/io/model-file.js';
import { loadStudy } from '../../src/tune/study.js';
import { runCaviar as run } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-best-epoch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Spirals with a high learning rate: the dev accuracy climbs, peaks at epoch 8, then falls at epoch 11.
const raw = (epochs: number) => ({
  name: 'b', seed: 3, data: { source: 'spirals', classes: 3, perClass: 60, noise: 0.3 },
  model: { hidden: [32], batchNorm: true }, train: { epochs, batchSize: 16, optimizer: 'adam', learningRate: 0.05 },
});

test('trainRun with keepBest ends with the weights of the best dev epoch: exactly those of a run stopped there', async () => {
  const exp = parseExperiment(raw(11), 'b.yaml');
  const data = loadSplits(exp.data, exp.seed);
  const keep = { metricOf: (m: { devAccuracy?: number }) => m.devAccuracy, direction: 'maximize' as const };
  const best = await trainRun(exp.settings, data, exp.seed, [], undefined, keep);
  const dev = best.history.epochs.map((e) => e.devAccuracy!);
  const top = Math.max(...dev);
  assert.equal(best.history.epochs.length, 11);
  assert.ok(dev[10] < top, `the last epoch is worse than the best (${dev.join(', ')})`);
  // Ties keep the earliest epoch with the top value.
  assert.equal(best.bestEpoch, dev.indexOf(top) + 1);
  assert.equal(best.bestEpoch, 8);
  assert.equal(best.dev.accuracy, top);

  const stopped = await trainRun(parseExperiment(raw(8), 'b.yaml').settings, data, exp.seed);
  assert.deepEqual(best.model.stateDict(), stopped.model.stateDict(), 'the best epoch\'s weights and batch-norm statistics');
  assert.equal(best.test.accuracy, stopped.test.accuracy);

  const last = await trainRun(exp.settings, data, exp.seed);
  assert.equal(last.bestEpoch, undefined);
  assert.equal(last.dev.accuracy, dev[10], 'without keepBest, the last epoch');
});

test('keepBest minimizing devLoss keeps the lowest dev loss; without a dev set the last epoch is kept', async () => {
  const exp = parseExperiment({ ...raw(6), train: { epochs: 6, batchSize: 16, optimizer: 'adam', learningRate: 0.05 } }, 'b.yaml');
  const data = loadSplits(exp.data, exp.seed);
  const r = await trainRun(exp.settings, data, exp.seed, [], undefined, { metricOf: (m) => m.devLoss, direction: 'minimize' });
  const losses = r.history.epochs.map((e) => e.devLoss!);
  assert.equal(r.bestEpoch, losses.indexOf(Math.min(...losses)) + 1);
  assert.ok(Math.abs(r.dev.loss - Math.min(...losses)) < 1e-12);

  const noDev = parseExperiment({ ...raw(3), data: { source: 'spirals', classes: 3, perClass: 60, noise: 0.3, dev: 0 } }, 'b.yaml');
  const r2 = await trainRun(noDev.settings, loadSplits(noDev.data, noDev.seed), noDev.seed, [], undefined, { metricOf: (m) => m.devAccuracy, direction: 'maximize' });
  assert.equal(r2.bestEpoch, undefined);
});

function experimentFile(name: string, tuneExtra: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, [
    `name: ${name}`,
    'seed: 3',
    'data: { source: spirals, classes: 3, perClass: 60, noise: 0.3 }',
    'model: { hidden: [32], batchNorm: true }',
    'train: { epochs: 11, batchSize: 16, optimizer: adam }',
    `output: ${join(dir, name)}`,
    `tune: { trials: 3, sampler: random, pruner: none, space: { learningRate: { type: float, low: 0.01, high: 0.1, scale: log } }${tuneExtra} }`,
  ].join('\n'));
  return path;
}

test('caviar tune scores each trial by its best epoch, records the epoch, and saves that epoch\'s model', async () => {
  const r = await run(['tune', experimentFile('best', '')]);
  assert.equal(r.code, 0, r.err);
  const study = await loadStudy({ name: 'best', storage: join(dir, 'best', 'study.db') });
  try {
    const exp = parseExperiment((study.data as { experiment: unknown }).experiment, 'best.yaml');
    const data = loadSplits(exp.data, exp.seed);
    for (const t of study.trials(['complete'])) {
      const curves = t.userAttrs.curves as { devAccuracy: number }[];
      const dev = curves.map((c) => c.devAccuracy);
      assert.equal(t.value, Math.max(...dev), `trial ${t.number}: its best epoch's dev accuracy`);
      assert.equal(t.userAttrs.bestEpoch, dev.indexOf(t.value!) + 1);
      const model = loadModel(t.userAttrs.model as string);
      assert.equal(model.evaluate(data.dev.x, data.dev.y).accuracy, t.value, 'the saved model is the best epoch\'s');
    }
    assert.ok(study.trials(['complete']).some((t) => (t.userAttrs.bestEpoch as number) < 11), 'some trial peaked before its last epoch');
  } finally {
    await study.close();
  }
});

test('tune.epoch: last scores each trial by its last epoch; with pbt any other value is refused', async () => {
  const r = await run(['tune', experimentFile('last', ', epoch: last')]);
  assert.equal(r.code, 0, r.err);
  const study = await loadStudy({ name: 'last', storage: join(dir, 'last', 'study.db') });
  try {
    for (const t of study.trials(['complete'])) {
      const curves = t.userAttrs.curves as { devAccuracy: number }[];
      assert.equal(t.value, curves.at(-1)!.devAccuracy);
      assert.equal(t.userAttrs.bestEpoch, undefined);
    }
  } finally {
    await study.close();
  }
  assert.throws(() => parseExperiment({ name: 'p', data: { source: 'spirals' }, tune: { epoch: 'best', pbt: { population: 4, generations: 2, interval: 2 } } }, 'p.yaml'),
    /tune\.epoch: population-based training keeps each segment's last epoch/);
  assert.equal(parseExperiment({ name: 'p', data: { source: 'spirals' }, tune: { pbt: { population: 4, generations: 2, interval: 2 } } }, 'p.yaml').tune!.epoch, 'last');
  assert.throws(() => parseExperiment({ name: 'p', data: { source: 'spirals' }, tune: { epoch: 'first' } }, 'p.yaml'), /tune\.epoch/);
});
