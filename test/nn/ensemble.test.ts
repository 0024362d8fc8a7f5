// An ensemble predicts the weighted mean of its members' probabilities; its
// file round-trips; ONNX Runtime runs its one graph with the same numbers;
// greedy selection picks what helps on dev.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blobs } from '../../src/data/synthetic.js';
import { decodeModel, decodeSavedModel, encodeModel } from '../../src/io/model-file.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { decodeModelProto } from '../../src/io/onnx/onnx-proto.js';
import { batchNorm, dense, relu } from '../../src/nn/config.js';
import { Ensemble, mixProbabilities, scoreProbabilities } from '../../src/nn/ensemble.js';
import { Sequential } from '../../src/nn/model.js';
import { selectEnsemble, topK } from '../../src/experiment/ensemble-selection.js';
import { classMismatches, maxAbsDiff, runOnnx } from '../helpers/onnx-runtime.js';

const data = blobs({ classes: 3, perClass: 60, features: 5, spread: 2.5, seed: 4 });

async function member(seed: number, hidden: number, bn = false): Promise<Sequential> {
  const model = new Sequential({ inputSize: 5, layers: [dense(hidden), ...(bn ? [batchNorm()] : []), relu(), dense(3)] }, { seed });
  await model.fit(data.x, data.y, { epochs: 2, batchSize: 16, normalizeInputs: true, optimizer: { type: 'adam', learningRate: 0.01 } });
  return model;
}

test('an ensemble predicts the weighted mean of its members\' probabilities, and scores it', async () => {
  const [a, b] = [await member(1, 8), await member(2, 12, true)];
  const ensemble = new Ensemble([a, b], [3, 1]);
  assert.deepEqual(ensemble.weights, [0.75, 0.25]);
  const pa = a.predict(data.x);
  const pb = b.predict(data.x);
  const p = ensemble.predict(data.x);
  for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i] - (0.75 * pa[i] + 0.25 * pb[i])) < 1e-7, `value ${i}`);
  const score = ensemble.evaluate(data.x, data.y);
  let loss = 0;
  let correct = 0;
  const classes = ensemble.predictClass(data.x);
  for (let i = 0; i < data.count; i++) {
    loss -= Math.log(p[i * 3 + data.y[i]]);
    if (classes[i] === data.y[i]) correct++;
  }
  assert.ok(Math.abs(score.loss - loss / data.count) < 1e-9);
  assert.equal(score.accuracy, correct / data.count);
  assert.throws(() => new Ensemble([]), /at least one member/);
  assert.throws(() => new Ensemble([a], [0]), /weight 0 must be a positive number/);
  const wide = new Sequential({ inputSize: 4, layers: [dense(3)] });
  assert.throws(() => new Ensemble([a, wide]), /member 1 takes 4 features to 3 classes, member 0 5 to 3/);
});

test('an ensemble\'s file round-trips bit for bit; decodeModel refuses it with a message that says what it is', async () => {
  const ensemble = new Ensemble([await member(1, 8), await member(2, 6, true), await member(3, 4)], [2, 1, 1]);
  const bytes = encodeModel(ensemble, { study: 's', trials: '[4,9,2]' });
  const { model, metadata } = decodeSavedModel(bytes, 'e.safetensors');
  assert.ok(model instanceof Ensemble);
  assert.deepEqual(model.weights, ensemble.weights);
  assert.deepEqual(model.predict(data.x), ensemble.predict(data.x));
  assert.deepEqual(metadata, { study: 's', trials: '[4,9,2]' });
  assert.throws(() => decodeModel(bytes, 'e.safetensors'), /e\.safetensors: an ensemble of 3 networks, not a single one/);
  // A single network still decodes as before through both.
  const single = encodeModel(ensemble.members[0]);
  assert.ok(decodeSavedModel(single, 's.safetensors').model instanceof Sequential);
});

test('ONNX Runtime runs an ensemble\'s one graph with caviar\'s probabilities; import says it reads single networks', async () => {
  const ensemble = new Ensemble([await member(1, 8), await member(2, 6, true)], [1, 3]);
  for (const foldBatchNorm of [false, true]) {
    const bytes = exportOnnx(ensemble, { foldBatchNorm, metadata: { study: 's' } });
    const { probabilities, session } = await runOnnx(bytes, data.x, data.features);
    await session.release();
    const expected = ensemble.predict(data.x);
    assert.ok(maxAbsDiff(probabilities, expected) < 1e-5, `foldBatchNorm ${foldBatchNorm}: ${maxAbsDiff(probabilities, expected)}`);
    assert.equal(classMismatches(probabilities, expected, 3), 0);
    const graph = decodeModelProto(bytes).graph;
    assert.deepEqual(graph.nodes.slice(-3).map((n) => n.opType), ['Softmax', 'Mul', 'Sum']);
    assert.equal(graph.inputs.length, 1);
    assert.deepEqual(graph.outputs.map((o) => o.name), ['probabilities']);
    assert.throws(() => importOnnx(bytes, 'e.onnx'), /an ensemble caviar exported .* caviar import reads single networks/);
  }
  // A sigmoid-output member gives [p(0), p(1)] in ONNX too.
  const y = data.y.map((c) => (c === 2 ? 1 : c));
  const binary = async (seed: number) => {
    const m = new Sequential({ inputSize: 5, layers: [dense(6), relu(), dense(1)], loss: 'sigmoidBinaryCrossEntropy' }, { seed });
    await m.fit(data.x, y, { epochs: 2, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 } });
    return m;
  };
  const two = new Ensemble([await binary(1), await binary(2)]);
  const { probabilities, session } = await runOnnx(exportOnnx(two), data.x, data.features);
  await session.release();
  assert.ok(maxAbsDiff(probabilities, two.predict(data.x)) < 1e-5);
});

test('greedy selection adds what helps on dev: two models that err on different examples beat each alone', () => {
  // Four examples of 2 classes, labels [0, 1, 0, 1]. A is right on 0-2, B on 1-3, C is always unsure.
  const labels = Int32Array.from([0, 1, 0, 1]);
  const A = Float32Array.from([0.9, 0.1, 0.4, 0.6, 0.9, 0.1, 0.6, 0.4]); // right, right, right, wrong (0.6 on class 0)
  const B = Float32Array.from([0.45, 0.55, 0.2, 0.8, 0.8, 0.2, 0.1, 0.9]); // wrong, right, right, right
  const C = Float32Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  assert.equal(scoreProbabilities(A, labels, 2).accuracy, 0.75);
  assert.equal(scoreProbabilities(B, labels, 2).accuracy, 0.75);
  const mixed = scoreProbabilities(mixProbabilities([A, B], [0.5, 0.5]), labels, 2);
  assert.equal(mixed.accuracy, 1);
  const s = selectEnsemble([A, C, B], labels, 2, { rounds: 10 });
  assert.equal(s.counts[1], 0, 'the unsure model is never added');
  assert.ok(s.counts[0] > 0 && s.counts[2] > 0, `both complementary models: ${s.counts}`);
  assert.equal(s.dev.accuracy, 1);
  // By loss alone: the same pair, and the score is the loss of their weighted mean.
  const byLoss = selectEnsemble([A, C, B], labels, 2, { metric: 'devLoss', rounds: 10 });
  const total = byLoss.counts.reduce((x, y) => x + y, 0);
  const expected = scoreProbabilities(mixProbabilities([A, C, B], byLoss.counts.map((c) => c / total)), labels, 2);
  assert.ok(Math.abs(byLoss.dev.loss - expected.loss) < 1e-6);
  assert.ok(byLoss.dev.loss < Math.min(scoreProbabilities(A, labels, 2).loss, scoreProbabilities(B, labels, 2).loss));
  // Top K: equal weights on the first K.
  const top = topK([A, B, C], labels, 2, 2);
  assert.deepEqual(top.counts, [1, 1, 0]);
  assert.equal(top.dev.accuracy, 1);
});
