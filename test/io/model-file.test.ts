import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchNorm, dense, relu } from '../../src/nn/config.js';
import { Sequential } from '../../src/nn/model.js';
import { decodeModel, encodeModel, loadModel, loadModelWithMetadata, saveModel } from '../../src/io/model-file.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { blobs } from '../../src/data/synthetic.js';

async function trained() {
  const data = blobs({ classes: 3, perClass: 40, features: 4, spread: 1, seed: 1 });
  const model = new Sequential({ inputSize: 4, layers: [dense(8, { bias: false }), batchNorm(), relu(), dense(3)] }, { seed: 2 });
  await model.fit(data.x, data.y, { epochs: 3, batchSize: 16, normalizeInputs: true });
  return { model, data };
}

test('save, load, predict gives identical probabilities, running statistics and normalization included', async () => {
  const { model, data } = await trained();
  const dir = mkdtempSync(join(tmpdir(), 'caviar-model-'));
  try {
    const path = join(dir, 'sub', 'model.safetensors');
    saveModel(model, path, { dataset: 'blobs' });
    const { model: again, metadata } = loadModelWithMetadata(path);
    assert.deepEqual(metadata, { dataset: 'blobs' });
    assert.deepEqual(again.predict(data.x), model.predict(data.x));
    assert.deepEqual(again.buffers().map((b) => Array.from(b.buffer.value)), model.buffers().map((b) => Array.from(b.buffer.value)));
    assert.ok(model.buffers()[0].buffer.value.some((v) => v !== 0), 'running mean was trained');
    assert.deepEqual(again.inputNormalization, model.inputNormalization);
    // The file is plain safetensors: names a Python user would expect.
    const raw = decodeSafetensors(readFileSync(path), path);
    assert.deepEqual(Object.keys(raw.tensors).sort(), [
      '0.weight', '1.beta', '1.gamma', '1.running_mean', '1.running_var', '3.bias', '3.weight', 'input.mean', 'input.std',
    ]);
    assert.deepEqual(raw.tensors['0.weight'].shape, [8, 4]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a truncated or foreign file is a clear error', async () => {
  const { model } = await trained();
  const bytes = encodeModel(model);
  assert.throws(() => decodeModel(bytes.subarray(0, bytes.length - 10), 'm.safetensors'), /m\.safetensors: not a readable model file/);
  assert.throws(() => decodeModel(bytes.subarray(0, 5), 'm.safetensors'), /m\.safetensors: not a readable model file/);
  const foreign = encodeSafetensors({ w: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } });
  assert.throws(() => decodeModel(foreign, 'f.safetensors'), /f\.safetensors: a safetensors file, but not a caviar model/);
  assert.throws(() => loadModel('/nonexistent/model.safetensors'), /\/nonexistent\/model\.safetensors: no such file/);
});

test('weights that do not match the architecture are refused', async () => {
  const { model } = await trained();
  const decoded = decodeSafetensors(encodeModel(model), 'x');
  const tensors = { ...decoded.tensors, '0.weight': { dtype: 'F32' as const, shape: [8, 5], data: new Float32Array(40) } };
  const bad = encodeSafetensors(tensors, decoded.metadata);
  assert.throws(() => decodeModel(bad, 'bad.safetensors'), /bad\.safetensors: the weights do not match the architecture: weights: tensor '0\.weight' has shape \[8, 5\], the model needs \[8, 4\]/);
  const { '3.bias': _dropped, ...missing } = decoded.tensors;
  assert.throws(() => decodeModel(encodeSafetensors(missing, decoded.metadata), 'm'), /tensor '3\.bias' is missing/);
  const wrongArch = encodeSafetensors(decoded.tensors, { ...decoded.metadata, 'caviar.architecture': '{"inputSize":4,"layers":[{"type":"conv"}]}' });
  assert.throws(() => decodeModel(wrongArch, 'a'), /a: the architecture is invalid: layers\[0\] \(conv\): unknown layer type "conv"/);
});

test('saving over an existing model replaces it whole', async () => {
  const { model } = await trained();
  const dir = mkdtempSync(join(tmpdir(), 'caviar-model-'));
  try {
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'old');
    saveModel(model, path);
    assert.ok(loadModel(path).parameterCount === model.parameterCount);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
