import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blobs } from '../../src/data/synthetic.js';
import { batchNorm, dense, relu } from '../../src/nn/config.js';
import { Sequential } from '../../src/nn/model.js';
import { Adam } from '../../src/optim/adam.js';
import { Momentum } from '../../src/optim/momentum.js';
import { CheckpointError, encodeCheckpoint, restoreCheckpoint } from '../../src/train/checkpoint.js';

const data = blobs({ classes: 3, perClass: 40, features: 6, seed: 3 });
const config = { inputSize: 6, layers: [dense(16, { bias: false }), batchNorm(), relu(), dense(3)] };
// Full batches without shuffling: the steps depend only on the weights and the optimizer's state.
const fitOptions = { batchSize: 120, shuffle: false, normalizeInputs: true } as const;

test('training resumed from a checkpoint takes exactly the steps the uninterrupted run takes (Adam moments and step count included)', async () => {
  const straight = new Sequential(config, { seed: 5 });
  const adam = new Adam({ learningRate: 0.01 });
  await straight.fit(data.x, data.y, { ...fitOptions, epochs: 3, optimizer: adam });
  const bytes = encodeCheckpoint(straight, adam, { note: 'after 3' });
  await straight.fit(data.x, data.y, { ...fitOptions, epochs: 5, initialEpoch: 3, optimizer: adam });

  const resumed = new Sequential(config, { seed: 99 }); // other initial weights: all of them come from the checkpoint
  const adam2 = new Adam({ learningRate: 0.01 });
  const meta = restoreCheckpoint(bytes, resumed, adam2, 'test checkpoint');
  assert.deepEqual(meta, { note: 'after 3' });
  assert.equal(adam2.steps, 3);
  await resumed.fit(data.x, data.y, { ...fitOptions, epochs: 5, initialEpoch: 3, optimizer: adam2 });
  assert.deepEqual(resumed.stateDict(), straight.stateDict());
});

test('a checkpoint keeps the running statistics and input normalization, and refuses another architecture or optimizer', async () => {
  const model = new Sequential(config, { seed: 1 });
  const adam = new Adam();
  await model.fit(data.x, data.y, { ...fitOptions, epochs: 2, optimizer: adam });
  const bytes = encodeCheckpoint(model, adam);
  const copy = new Sequential(config, { seed: 2 });
  restoreCheckpoint(bytes, copy, new Adam(), 'cp');
  assert.deepEqual(copy.predict(data.x), model.predict(data.x));
  assert.deepEqual(copy.inputNormalization, model.inputNormalization);

  const wider = new Sequential({ inputSize: 6, layers: [dense(17, { bias: false }), batchNorm(), relu(), dense(3)] }, { seed: 1 });
  assert.throws(() => restoreCheckpoint(bytes, wider, new Adam(), 'cp 4'), (e: Error) => e instanceof CheckpointError && /cp 4: .*architecture differs/.test(e.message));
  assert.throws(() => restoreCheckpoint(bytes, copy, new Momentum(), 'cp 4'), /taken with optimizer adam, this run uses momentum/);
  assert.throws(() => restoreCheckpoint(new Uint8Array([1, 2, 3]), copy, new Adam(), 'cp 5'), (e: Error) => e instanceof CheckpointError && /cp 5: not a readable checkpoint/.test(e.message));
});

test('optimizer.adjust changes hyperparameters all or nothing, checked like the constructor', () => {
  const adam = new Adam({ learningRate: 0.001 });
  adam.adjust({ learningRate: 0.01, beta1: 0.8, weightDecay: 0.1 });
  assert.deepEqual([adam.learningRate, adam.beta1, adam.weightDecay], [0.01, 0.8, 0.1]);
  assert.throws(() => adam.adjust({ learningRate: 0.5, beta2: 1 }), /beta2 must be in \[0, 1\)/);
  assert.equal(adam.learningRate, 0.01, 'nothing changed when one value was wrong');
  assert.throws(() => new Momentum().adjust({ beta1: 0.9 }), /momentum has no hyperparameter "beta1" to change \(it has: learningRate, beta, weightDecay\)/);
});
