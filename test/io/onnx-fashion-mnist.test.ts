// The acceptance check: models trained briefly on Fashion-MNIST
// (200 Adam steps, so the weights and running statistics are real ones),
// exported to ONNX and run by ONNX Runtime on the 10,000 raw test images:
// largest absolute difference from caviar's probabilities below 1e-5 and the
// same predicted class for every image, with batch norm and without, with
// and without --fold-bn; import gives back the same predictions.
// Measured figures are printed as test diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fashionMnistAvailable, loadFashionMnist } from '../../src/data/fashion-mnist.js';
import { subset } from '../../src/data/split.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { batchNorm, dense, dropout, relu, tanh, type ModelConfig } from '../../src/nn/config.js';
import { Sequential } from '../../src/nn/model.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { argmaxRows, classMismatches, maxAbsDiff, runOnnx } from '../helpers/onnx-runtime.js';

const models: Record<string, ModelConfig> = {
  'with batch norm': {
    inputSize: 784,
    layers: [dense(128, { bias: false }), batchNorm(), relu(), dropout(0.2), dense(64, { bias: false }), batchNorm(), relu(), dense(10)],
  },
  'without batch norm': { inputSize: 784, layers: [dense(128), relu(), dropout(0.2), dense(64), tanh(), dense(10)] },
};

test('Fashion-MNIST test set: ONNX Runtime gives caviar\'s probabilities (< 1e-5, same classes), with and without batch norm and --fold-bn', async (t) => {
  if (!requireOrSkip(t, fashionMnistAvailable() !== null, 'Fashion-MNIST not found (apt-get install dataset-fashion-mnist)')) return;
  const train = subset(loadFashionMnist({ split: 'train' }), Array.from({ length: 12800 }, (_, i) => i));
  const testSet = loadFashionMnist({ split: 'test' });
  assert.equal(testSet.count, 10000);
  for (const [name, config] of Object.entries(models)) {
    const model = new Sequential(config, { seed: 5 });
    let started = performance.now();
    await model.fit(train.x, train.y, { epochs: 1, batchSize: 64, normalizeInputs: true, optimizer: { type: 'adam', learningRate: 0.001 } });
    const trainSeconds = (performance.now() - started) / 1000;
    const expected = model.predict(testSet.x); // [10000][10], from raw pixels
    const predicted = argmaxRows(expected, 10);
    const accuracy = predicted.filter((c, i) => c === testSet.y[i]).length / testSet.count;
    assert.ok(accuracy > 0.7, `${name}: test accuracy ${accuracy} after 200 steps; the weights should be trained ones`);
    for (const foldBatchNorm of [false, true]) {
      const variant = `${name}${foldBatchNorm ? ', --fold-bn' : ''}`;
      started = performance.now();
      const bytes = exportOnnx(model, { foldBatchNorm });
      const exportMs = performance.now() - started;
      started = performance.now();
      const { probabilities, session } = await runOnnx(bytes, testSet.x, 784);
      const runtimeMs = performance.now() - started;
      await session.release();
      const diff = maxAbsDiff(probabilities, expected);
      const mismatches = classMismatches(probabilities, expected, 10);
      const imported = importOnnx(bytes, 'model.onnx').model.predict(testSet.x);
      const importDiff = maxAbsDiff(imported, expected);
      t.diagnostic(`${variant}: max |ONNX Runtime - caviar| = ${diff.toExponential(2)}, ${mismatches} class mismatches, ` +
        `import max diff ${importDiff.toExponential(2)}; accuracy ${accuracy.toFixed(4)}; ` +
        `train ${trainSeconds.toFixed(1)} s, export ${exportMs.toFixed(0)} ms, ${bytes.length} bytes, ONNX Runtime load + run ${runtimeMs.toFixed(0)} ms`);
      assert.ok(diff < 1e-5, `${variant}: largest absolute difference ${diff}`);
      assert.equal(mismatches, 0, `${variant}: predicted classes differ`);
      if (foldBatchNorm) assert.ok(importDiff < 1e-6, `${variant}: imported model differs by ${importDiff}`);
      else assert.equal(importDiff, 0, `${variant}: the imported model predicts exactly as the original`);
    }
  }
});
