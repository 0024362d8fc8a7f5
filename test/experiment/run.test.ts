import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSplits, normalizedTrain } from '../../src/experiment/data.js';
import { trainRun } from '../../src/experiment/run.js';
import { layersFor } from '../../src/experiment/settings.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import { Sequential } from '../../src/nn/model.js';

test('a run trains on the normalized copy computed once per data set, with exactly the weights fit would reach by itself', async () => {
  const exp = parseExperiment({
    name: 'n', seed: 4, data: { source: 'blobs', classes: 3, perClass: 60, features: 5, dev: 0.2, test: 0.2 },
    model: { hidden: [8] }, train: { epochs: 3, batchSize: 16, optimizer: 'adam', learningRate: 0.01 },
  }, 'n.yaml');
  const data = loadSplits(exp.data, exp.seed);
  const cached = normalizedTrain(data.train);
  assert.equal(normalizedTrain(data.train), cached, 'computed once, then reused');

  const first = await trainRun(exp.settings, data, exp.seed);
  const second = await trainRun(exp.settings, data, exp.seed);
  assert.deepEqual(second.model.stateDict(), first.model.stateDict());

  // The same training with fit fitting the normalization and copying the data itself.
  const model = new Sequential({ inputSize: data.train.features, layers: layersFor(exp.settings, data.train.classes) }, { seed: exp.seed });
  await model.fit(data.train.x, data.train.y, {
    epochs: 3, batchSize: 16, seed: exp.seed, optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    normalizeInputs: true, validation: { x: data.dev.x, y: data.dev.y },
  });
  assert.deepEqual(model.stateDict(), first.model.stateDict());
  assert.deepEqual(model.inputNormalization, first.model.inputNormalization);

  await assert.rejects(model.fit(data.train.x, data.train.y, { normalizeInputs: true, normalizedInputs: cached.x }), /normalizedInputs needs the Normalizer it was made with/);
  await assert.rejects(
    model.fit(data.train.x, data.train.y, { normalizeInputs: cached.normalizer, normalizedInputs: cached.x.subarray(5) }),
    /normalizedInputs: expected \d+ float32 values \(x normalized\), got \d+ in a Float32Array/,
  );
});
