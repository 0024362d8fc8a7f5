import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spirals, blobs } from '../../src/data/synthetic.js';
import { batchNorm, dense, dropout, relu } from '../../src/nn/config.js';
import { Sequential } from '../../src/nn/model.js';
import { SGD } from '../../src/optim/sgd.js';

const layers = [dense(32, { bias: false }), batchNorm(), relu(), dropout(0.1), dense(3)];

test('the network learns the spirals (well above the 33% of chance) and reports dev metrics', async () => {
  const train = spirals({ classes: 3, perClass: 200, seed: 1 });
  const dev = spirals({ classes: 3, perClass: 50, seed: 2 });
  const model = new Sequential({ inputSize: 2, layers: [dense(64), relu(), dense(64), relu(), dense(3)] }, { seed: 1 });
  const history = await model.fit(train.x, train.y, {
    epochs: 60, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, validation: { x: dev.x, y: dev.y },
  });
  const last = history.epochs.at(-1)!;
  assert.equal(history.epochs.length, 60);
  assert.ok(history.epochs[0].loss > last.loss * 2, `loss falls: ${history.epochs[0].loss} -> ${last.loss}`);
  assert.ok(last.accuracy > 0.9, `train accuracy ${last.accuracy}`);
  assert.ok(last.devAccuracy! > 0.85, `dev accuracy ${last.devAccuracy}`);
  const evaluation = model.evaluate(dev.x, dev.y);
  assert.equal(evaluation.accuracy, last.devAccuracy);
  assert.equal(evaluation.count, 150);
  const classes = model.predictClass(dev.x);
  const probs = model.predict(dev.x);
  assert.equal(probs.length, 150 * 3);
  assert.ok(Math.abs(probs[0] + probs[1] + probs[2] - 1) < 1e-6);
  assert.equal(classes.filter((c, i) => c === dev.y[i]).length / 150, evaluation.accuracy);
});

test('the same seed gives the same weights bit for bit; another seed does not', async () => {
  const data = blobs({ classes: 3, perClass: 30, features: 5, seed: 4 });
  const run = async (seed: number) => {
    const model = new Sequential({ inputSize: 5, layers }, { seed });
    await model.fit(data.x, data.y, { epochs: 3, batchSize: 8, normalizeInputs: true });
    return model.stateDict();
  };
  const a = await run(7);
  const b = await run(7);
  const c = await run(8);
  for (const name of Object.keys(a)) assert.deepEqual(a[name].data, b[name].data, name);
  assert.notDeepEqual(a['0.weight'].data, c['0.weight'].data);
});

test('hooks see every batch and epoch, can change the learning rate and stop training', async () => {
  const data = blobs({ classes: 3, perClass: 20, features: 4, seed: 1 });
  const model = new Sequential({ inputSize: 4, layers: [dense(8), relu(), dense(3)] });
  const optimizer = new SGD({ learningRate: 0.1 });
  const seen: string[] = [];
  const history = await model.fit(data.x, data.y, {
    epochs: 10, batchSize: 25, optimizer, schedule: { type: 'inverseTime', rate: 1 },
    hooks: {
      onBatchEnd: ({ epoch, batch, batches, control }) => {
        seen.push(`${epoch}.${batch}/${batches}`);
        if (epoch === 2 && batch === 0) control.setLearningRate(0.003);
      },
      onEpochEnd: ({ metrics, control }) => {
        if (metrics.epoch === 3) control.stop('enough');
      },
    },
  });
  assert.deepEqual(seen, ['1.0/3', '1.1/3', '1.2/3', '2.0/3', '2.1/3', '2.2/3', '3.0/3', '3.1/3', '3.2/3']);
  assert.equal(history.epochs.length, 3);
  assert.equal(history.stopReason, 'enough');
  assert.equal(history.epochs[0].learningRate, 0.1 / 2); // schedule: a0 / (1 + 1 * epoch)
  assert.equal(history.epochs[1].learningRate, 0.003); // set by the hook
  assert.equal(history.epochs[2].learningRate, 0.003); // and it overrides the schedule from then on
});

test('with batch norm, a trailing batch of one example is folded into the batch before it', async () => {
  const data = blobs({ classes: 2, perClass: 17, features: 3, seed: 1 }); // 34 examples, batch 11 -> 11, 11, 12
  const model = new Sequential({ inputSize: 3, layers: [dense(4, { bias: false }), batchNorm(), relu(), dense(2)] });
  const sizes: number[] = [];
  await model.fit(data.x, data.y, { epochs: 1, batchSize: 11, hooks: { onBatchEnd: ({ batches }) => void sizes.push(batches) } });
  assert.deepEqual(sizes, [3, 3, 3]);
});

test('a diverging run stops with a reason instead of training on NaN', async () => {
  const data = blobs({ classes: 3, perClass: 20, features: 4, spread: 1, seed: 1 });
  const x = data.x.map((v) => v * 1e3);
  const model = new Sequential({ inputSize: 4, layers: [dense(8), relu(), dense(3)] });
  const history = await model.fit(x, data.y, { epochs: 5, optimizer: { type: 'sgd', learningRate: 1e6 } });
  assert.match(history.stopReason ?? '', /training diverged: the loss became (NaN|Infinity) at epoch \d+, batch \d+; try a smaller learning rate/);
});

test('bad inputs, as a new user makes them, are clear errors', async () => {
  const model = new Sequential({ inputSize: 2, layers: [dense(4), relu(), dense(3)] });
  const x = [[0, 1], [1, 0], [1, 1]];
  const y = [0, 1, 2];
  await assert.rejects(model.fit([[0, 1], [1, 0, 3]], [0, 1]), /x\[1\]: has 3 features, the model expects 2/);
  await assert.rejects(model.fit(x, [0, 1, 3]), /y\[2\]: label 3 is not a class index 0\.\.2 \(the model has 3 classes\)/);
  await assert.rejects(model.fit(x, [0, 1]), /y: 2 labels for 3 examples/);
  await assert.rejects(model.fit([[0, NaN], [1, 0], [1, 1]], y), /x: example 0, feature 1 is NaN; inputs must be finite numbers/);
  await assert.rejects(model.fit([], []), /x: the data set is empty \(0 examples\)/);
  await assert.rejects(model.fit(x, y, { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
  await assert.rejects(model.fit(x, y, { epochs: -1 }), /epochs must be a positive integer, got -1/);
  await assert.rejects(model.fit(new Float32Array(5), y), /a flat array of 5 values is not a whole number of examples of 2 features/);
  await assert.rejects(model.fit(x, [0, 1.5, 2]), /y\[1\]: label 1\.5 is not a class index/);
  await assert.rejects(model.fit(x, y, { optimizer: { type: 'adam', learningRate: -1 } }), /learningRate must be a positive number, got -1/);
  assert.throws(() => model.predict([[1, 2, 3]]), /predict x\[0\]: has 3 features, the model expects 2/);
  assert.throws(() => new Sequential({ inputSize: 0, layers: [dense(2)] }), /inputSize must be a positive integer, got 0/);
  assert.throws(() => new Sequential({ inputSize: 2, layers: [dense(0)] }), /layers\[0\] \(dense\): dense: units must be a positive integer, got 0/);
  assert.throws(() => new Sequential({ inputSize: 2, layers: [dense(1)] }), /softmaxCrossEntropy needs at least 2 output units/);
  const bn = new Sequential({ inputSize: 2, layers: [dense(4), batchNorm(), dense(2)] });
  await assert.rejects(bn.fit([[1, 2]], [0]), /batch norm needs at least 2 training examples/);
  assert.equal(bn.predictClass([[1, 2]]).length, 1, 'eval mode classifies a single example');
});

test('sigmoid output: two classes with one unit (logistic regression)', async () => {
  const data = blobs({ classes: 2, perClass: 50, features: 2, spread: 0.5, seed: 3 });
  const model = new Sequential({ inputSize: 2, layers: [dense(1)], loss: 'sigmoidBinaryCrossEntropy' }, { seed: 1 });
  assert.equal(model.classes, 2);
  await model.fit(data.x, data.y, { epochs: 30, batchSize: 10, optimizer: { type: 'sgd', learningRate: 0.5 } });
  const { accuracy } = model.evaluate(data.x, data.y);
  assert.ok(accuracy > 0.95, `accuracy ${accuracy}`);
  const p = model.predict(data.x.subarray(0, 2));
  assert.ok(Math.abs(p[0] + p[1] - 1) < 1e-6);
});
