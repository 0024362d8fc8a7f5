// ONNX export and import on small generated data sets (no Fashion-MNIST
// needed): ONNX Runtime runs every exported file and must give caviar's own
// probabilities (largest absolute difference below 1e-5, the same classes);
// import must give back the model that was exported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobs } from '../../src/data/synthetic.js';
import { encodeModel } from '../../src/io/model-file.js';
import { exportOnnx, OnnxExportError, saveOnnx } from '../../src/io/onnx/export.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { DATA_TYPE, decodeModelProto, encodeModelProto, type OnnxModel } from '../../src/io/onnx/onnx-proto.js';
import { batchNorm, dense, dropout, leakyRelu, linear, relu, sigmoid, tanh, type LayerConfig, type ModelConfig } from '../../src/nn/config.js';
import { Sequential } from '../../src/nn/model.js';
import { classMismatches, maxAbsDiff, runOnnx } from '../helpers/onnx-runtime.js';

const data = blobs({ classes: 3, perClass: 60, features: 5, spread: 1.5, seed: 4 });

async function trained(config: ModelConfig, { normalize = true, epochs = 3 } = {}): Promise<Sequential> {
  const model = new Sequential(config, { seed: 7 });
  const y = config.loss === 'sigmoidBinaryCrossEntropy' ? data.y.map((c) => (c === 2 ? 1 : c)) : data.y;
  await model.fit(data.x, y, { epochs, batchSize: 16, normalizeInputs: normalize, optimizer: { type: 'adam', learningRate: 0.01 } });
  return model;
}

/** ONNX Runtime's probabilities for the whole data set against caviar's. */
async function compare(model: Sequential, options: Parameters<typeof exportOnnx>[1] = {}) {
  const bytes = exportOnnx(model, options);
  const { probabilities, session } = await runOnnx(bytes, data.x, data.features);
  const expected = model.predict(data.x);
  const diff = maxAbsDiff(probabilities, expected);
  const mismatches = classMismatches(probabilities, expected, model.classes);
  await session.release();
  return { bytes, diff, mismatches, ops: decodeModelProto(bytes).graph.nodes.map((n) => n.opType) };
}

test('every activation runs in ONNX Runtime with caviar\'s probabilities (relu, leakyRelu with its slope, tanh, sigmoid, linear, dropout)', async () => {
  const cases: [LayerConfig, string[]][] = [
    [relu(), ['Relu']],
    [leakyRelu(), ['LeakyRelu']],
    [leakyRelu(0.3), ['LeakyRelu']],
    [tanh(), ['Tanh']],
    [sigmoid(), ['Sigmoid']],
    [linear(), []],
    [dropout(0.5), []],
  ];
  for (const [activation, ops] of cases) {
    const model = await trained({ inputSize: 5, layers: [dense(12), activation, dense(6, { init: 'xavier' }), activation, dense(3)] });
    const result = await compare(model);
    assert.ok(result.diff < 1e-5, `${activation.type}: largest difference ${result.diff}`);
    assert.equal(result.mismatches, 0, `${activation.type}: predicted classes differ`);
    assert.deepEqual(result.ops, ['Sub', 'Div', 'Gemm', ...ops, 'Gemm', ...ops, 'Gemm', 'Softmax'], activation.type);
  }
  // The slope is the model's, not ONNX's default (0.01): a wrong alpha would fail the comparison above, and here it is read back.
  const steep = await trained({ inputSize: 5, layers: [dense(12), leakyRelu(0.3), dense(3)] });
  const alpha = decodeModelProto(exportOnnx(steep)).graph.nodes.find((n) => n.opType === 'LeakyRelu')!.attributes;
  assert.deepEqual(alpha, [{ name: 'alpha', type: 'float', value: Math.fround(0.3) }]);
});

test('a sigmoid output (one unit, two classes) exports as [1 - p, p], as caviar predicts', async () => {
  const model = await trained({ inputSize: 5, layers: [dense(8), tanh(), dense(1)], loss: 'sigmoidBinaryCrossEntropy' });
  const result = await compare(model);
  assert.ok(result.diff < 1e-5, `largest difference ${result.diff}`);
  assert.equal(result.mismatches, 0);
  assert.deepEqual(result.ops, ['Sub', 'Div', 'Gemm', 'Tanh', 'Gemm', 'Sigmoid', 'Sub', 'Concat']);
  const back = importOnnx(result.bytes, 'binary.onnx').model;
  assert.deepEqual(back.predict(data.x), model.predict(data.x));
});

test('batch norm: BatchNormalization with the running statistics, or folded into the dense layer before it (with or without its bias)', async () => {
  const model = await trained({
    inputSize: 5,
    layers: [
      batchNorm(), // on the inputs: no dense layer to fold into
      dense(16, { bias: false }), batchNorm({ eps: 1e-3, momentum: 0.3 }), relu(),
      dense(8), dropout(0.2), batchNorm({ runningVariance: 'biased' }), tanh(), // a dense with a bias, dropout between
      batchNorm(), // after an activation: kept
      dense(3),
    ],
  }, { epochs: 4 });
  assert.ok(model.buffers().every((b) => b.buffer.value.some((v) => v !== 0 && v !== 1)), 'running statistics were trained');

  const plain = await compare(model);
  assert.ok(plain.diff < 1e-5, `BatchNormalization: largest difference ${plain.diff}`);
  assert.equal(plain.mismatches, 0);
  assert.deepEqual(plain.ops, ['Sub', 'Div', 'BatchNormalization', 'Gemm', 'BatchNormalization', 'Relu', 'Gemm', 'BatchNormalization', 'Tanh', 'BatchNormalization', 'Gemm', 'Softmax']);
  const eps = decodeModelProto(plain.bytes).graph.nodes[4].attributes.find((a) => a.name === 'epsilon');
  assert.deepEqual(eps, { name: 'epsilon', type: 'float', value: Math.fround(1e-3) });

  const folded = await compare(model, { foldBatchNorm: true });
  assert.ok(folded.diff < 1e-5, `folded: largest difference ${folded.diff}`);
  assert.equal(folded.mismatches, 0);
  assert.deepEqual(folded.ops, ['Sub', 'Div', 'BatchNormalization', 'Gemm', 'Relu', 'Gemm', 'Tanh', 'BatchNormalization', 'Gemm', 'Softmax']);
  const gemm = decodeModelProto(folded.bytes).graph.nodes[3];
  assert.deepEqual(gemm.inputs, ['0.batchNorm', '1.weight', '1.bias'], 'the bias-less dense layer gained the folded bias');

  const dir = mkdtempSync(join(tmpdir(), 'caviar-onnx-'));
  try {
    const summary = saveOnnx(model, join(dir, 'm.onnx'), { foldBatchNorm: true });
    assert.deepEqual({ ...summary, bytes: 0 }, { bytes: 0, nodes: 10, foldedBatchNorms: 2, keptBatchNorms: 2 });
    assert.deepEqual(readFileSync(join(dir, 'm.onnx')), Buffer.from(folded.bytes));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the graph: named input and output, a dynamic batch dimension, opset, producer and metadata', async () => {
  const model = await trained({ inputSize: 5, layers: [dense(8), relu(), dense(3)] });
  const metadata = { classNames: '["a","b","c"]', experiment: 'blobs', study: 'blobs-study', trial: '12', params: '{"learningRate":0.01}' };
  const bytes = exportOnnx(model, { metadata });
  const onnx = decodeModelProto(bytes);
  assert.equal(onnx.irVersion, 7);
  assert.deepEqual(onnx.opsetImport, [{ domain: '', version: 13 }]);
  assert.equal(onnx.producerName, 'caviar');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(onnx.producerVersion, pkg.version);
  const props = Object.fromEntries(onnx.metadataProps.map((p) => [p.key, p.value]));
  assert.deepEqual(JSON.parse(props['caviar.architecture']), model.config);
  assert.equal(props['caviar.format'], 'caviar-onnx/1');
  for (const [key, value] of Object.entries(metadata)) assert.equal(props[key], value, key);

  // ONNX Runtime sees the names and the symbolic batch dimension, and runs any batch size.
  const { session } = await runOnnx(bytes, data.x, 5);
  assert.deepEqual(session.inputNames, ['input']);
  assert.deepEqual(session.outputNames, ['probabilities']);
  assert.deepEqual((session.inputMetadata[0] as { shape: unknown }).shape, ['batch', 5]);
  assert.deepEqual((session.outputMetadata[0] as { shape: unknown }).shape, ['batch', 3]);
  for (const rows of [1, 7]) {
    const x = data.x.subarray(0, rows * 5);
    const { probabilities } = await runOnnx(bytes, x, 5);
    assert.ok(maxAbsDiff(probabilities, model.predict(x)) < 1e-5, `${rows} rows`);
  }
  await session.release();
  assert.throws(() => exportOnnx(model, { metadata: { 'caviar.format': 'x' } }), /metadata key 'caviar\.format' is reserved/);
});

test('a model without input normalization has no Sub/Div and takes its inputs as they are', async () => {
  const model = await trained({ inputSize: 5, layers: [dense(8), relu(), dense(3)] }, { normalize: false });
  assert.equal(model.inputNormalization, null);
  const result = await compare(model);
  assert.ok(result.diff < 1e-5, `largest difference ${result.diff}`);
  assert.deepEqual(result.ops, ['Gemm', 'Relu', 'Gemm', 'Softmax']);
});

test('a layer or option the exporter does not know is refused, never exported as something else', async () => {
  // A layer option this version of the exporter does not know (say, from a newer caviar): the model builds, the export refuses.
  const withOption = new Sequential({ inputSize: 5, layers: [dense(8), { type: 'relu', maxValue: 6 } as unknown as LayerConfig, dense(3)] });
  assert.throws(() => exportOnnx(withOption), (e: unknown) =>
    e instanceof OnnxExportError &&
    e.message === "cannot export to ONNX: layers[1] (relu) has the option 'maxValue', which the ONNX exporter does not know; it might change what the layer computes, so the model is not exported");
  // A layer type with no ONNX form.
  const model = new Sequential({ inputSize: 5, layers: [dense(8), relu(), dense(3)] });
  Object.defineProperty(model, 'config', { value: { ...model.config, layers: [...model.config.layers, { type: 'conv2d', filters: 4 }] } });
  assert.throws(() => exportOnnx(model), /cannot export to ONNX: layers\[3\] is a "conv2d" layer, which has no ONNX form here \(the exporter knows dense, batchNorm, relu, leakyRelu, tanh, sigmoid, linear, dropout\)/);
});

test('import gives back the exported model: the same predictions bit for bit, and the same file when exported again', async () => {
  const model = await trained({ inputSize: 5, layers: [dense(16, { bias: false }), batchNorm(), leakyRelu(0.1), dropout(0.1), dense(3)] });
  const metadata = { classNames: '["a","b","c"]', trial: '3' };
  const bytes = exportOnnx(model, { metadata });
  const back = importOnnx(bytes, 'm.onnx');
  assert.deepEqual(back.metadata, metadata);
  assert.deepEqual(back.model.config, model.config);
  assert.equal(back.model.seed, model.seed);
  assert.deepEqual(back.model.stateDict(), model.stateDict());
  assert.deepEqual(back.model.inputNormalization, model.inputNormalization);
  assert.deepEqual(back.model.predict(data.x), model.predict(data.x));
  assert.deepEqual(exportOnnx(back.model, { metadata: back.metadata }), bytes);
  // safetensors -> ONNX -> caviar -> safetensors: the same model file.
  assert.deepEqual(encodeModel(back.model, back.metadata), encodeModel(model, metadata));

  // Folded: no batch norm comes back, the predictions agree to within 1e-6.
  const folded = importOnnx(exportOnnx(model, { foldBatchNorm: true, metadata }), 'f.onnx');
  assert.deepEqual(folded.model.config.layers.map((l) => l.type), ['dense', 'leakyRelu', 'dropout', 'dense']);
  const diff = maxAbsDiff(folded.model.predict(data.x), model.predict(data.x));
  assert.ok(diff < 1e-6, `folded round trip: largest difference ${diff}`);
  assert.deepEqual(folded.metadata, metadata);
});

/** A valid ONNX model another tool could have written: Gemm, Relu, Softmax. */
function foreignModel(): OnnxModel {
  const w = new Float32Array(15).map((_, i) => (i % 4) - 1.5);
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'pytorch',
    producerVersion: '2.3.0',
    docString: '',
    graph: {
      name: 'main_graph',
      nodes: [
        { name: '/fc/Gemm', opType: 'Gemm', domain: '', inputs: ['x', 'fc.weight'], outputs: ['h'], attributes: [{ name: 'transB', type: 'int', value: 1 }] },
        { name: '/Relu', opType: 'Relu', domain: '', inputs: ['h'], outputs: ['r'], attributes: [] },
        { name: '/Softmax', opType: 'Softmax', domain: '', inputs: ['r'], outputs: ['y'], attributes: [{ name: 'axis', type: 'int', value: 1 }] },
      ],
      initializers: [{ name: 'fc.weight', dims: [3, 5], dataType: DATA_TYPE.FLOAT, data: w, external: false }],
      inputs: [{ name: 'x', elemType: DATA_TYPE.FLOAT, shape: ['N', 5] }],
      outputs: [{ name: 'y', elemType: DATA_TYPE.FLOAT, shape: ['N', 3] }],
    },
    metadataProps: [],
  };
}

test('import refuses what caviar did not export, or what was changed since, saying what it found', async () => {
  // A foreign model that ONNX Runtime runs: valid ONNX, not caviar's.
  const foreign = encodeModelProto(foreignModel());
  const ort = await import('onnxruntime-node');
  await (await ort.InferenceSession.create(foreign)).release();
  assert.throws(() => importOnnx(foreign, 'torch.onnx'), {
    name: 'ModelFileError',
    message: "torch.onnx: an ONNX model from 'pytorch' 2.3.0 (3 nodes: Gemm, Relu, Softmax), not one caviar exported (producer_name is not 'caviar'); caviar import reads only models written by caviar export",
  });

  // One written by the official onnx Python package (test/fixtures/onnx/make-foreign.py).
  const official = readFileSync(new URL('../fixtures/onnx/foreign.onnx', import.meta.url));
  await (await ort.InferenceSession.create(official)).release();
  assert.throws(() => importOnnx(official, 'foreign.onnx'),
    /^ModelFileError: foreign\.onnx: an ONNX model from 'onnx-example' 1\.0 \(6 nodes: Gemm, Relu, Reshape, Constant, Add, Softmax\), not one caviar exported/);

  const model = await trained({ inputSize: 5, layers: [dense(8), relu(), dense(3)] });
  const bytes = exportOnnx(model);
  const edit = (change: (m: OnnxModel) => void) => {
    const m = decodeModelProto(bytes);
    change(m);
    return encodeModelProto(m);
  };
  assert.throws(() => importOnnx(edit((m) => { m.graph.nodes[3].opType = 'Tanh'; }), 'edited.onnx'),
    /^ModelFileError: edited\.onnx: the graph is not the one its metadata describes: node 3 is Tanh\(0\.dense\) -> 1\.relu; the architecture makes Relu\(0\.dense\) -> 1\.relu$/);
  assert.throws(() => importOnnx(edit((m) => { m.metadataProps[1].value = JSON.stringify({ inputSize: 5, layers: [dense(8), tanh(), dense(3)] }); }), 'meta.onnx'),
    /meta\.onnx: the graph is not the one its metadata describes: node 3 is Relu\(0\.dense\) -> 1\.relu; the architecture makes Tanh\(0\.dense\) -> 1\.tanh/);
  assert.throws(() => importOnnx(edit((m) => { m.metadataProps[1].value = '{"inputSize":5}'; }), 'nolayers.onnx'),
    /^ModelFileError: nolayers\.onnx: the architecture in the metadata cannot be imported: the architecture has no list of layers$/);
  assert.throws(() => importOnnx(edit((m) => { m.metadataProps[1].value = '{"inputSize":5,'; }), 'json.onnx'),
    /json\.onnx: the architecture in the metadata \(caviar\.architecture\) is missing or not valid JSON/);
  assert.throws(() => importOnnx(edit((m) => { m.graph.initializers[2].dims = [5, 8]; m.graph.initializers[2].data = new Float32Array(40); }), 'shape.onnx'),
    /shape\.onnx: the initializers do not match the architecture in the metadata: tensor '0\.weight' has shape \[5, 8\], the network needs \[8, 5\]/);
  assert.throws(() => importOnnx(edit((m) => { m.graph.initializers.pop(); }), 'missing.onnx'), /missing\.onnx: the initializers do not match .*tensor '2\.bias' is missing/);
  assert.throws(() => importOnnx(edit((m) => { m.opsetImport[0].version = 17; }), 'opset.onnx'), /opset\.onnx: the graph uses ONNX opset 17, but caviar exports opset 13/);
  assert.throws(() => importOnnx(edit((m) => { m.metadataProps[0].value = 'caviar-onnx/9'; }), 'future.onnx'), /future\.onnx: ONNX model format 'caviar-onnx\/9' is not one this version reads/);
  assert.throws(() => importOnnx(edit((m) => { m.graph.outputs[0].name = 'logits'; }), 'out.onnx'), /out\.onnx: the graph is not the one its metadata describes: its outputs are 'logits' FLOAT \[batch, 3\]; expected 'probabilities' FLOAT \[batch, 3\]/);

  // Damaged and non-ONNX bytes.
  assert.throws(() => importOnnx(bytes.subarray(0, bytes.length - 100), 'cut.onnx'), /^ModelFileError: cut\.onnx: not an ONNX model, or a damaged one: .*\(truncated\?\) \(at byte \d+\)$/);
  assert.throws(() => importOnnx(new Uint8Array(0), 'empty.onnx'), /empty\.onnx: the file is empty, not an ONNX model/);
  assert.throws(() => importOnnx(encodeModel(model), 'model.safetensors'), /model\.safetensors: a safetensors file, not an ONNX model \(caviar export MODEL --format onnx OUT\.onnx makes one from it\)/);
  assert.throws(() => importOnnx(new TextEncoder().encode('a,b,label\n1,2,0\n'), 'rows.csv'), /^ModelFileError: rows\.csv: not an ONNX model/);
});

test('import of damaged bytes (truncated, bytes changed, inserted) fails only with a one-line ModelFileError naming the file', async () => {
  const model = await trained({ inputSize: 5, layers: [dense(6, { bias: false }), batchNorm(), relu(), dense(3)] });
  const bytes = exportOnnx(model, { metadata: { classNames: '["a","b","c"]' } });
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31; // a fixed sequence of damage
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    let damaged = bytes.slice();
    const kind = random();
    if (kind < 0.3) damaged = damaged.subarray(0, Math.floor(random() * damaged.length));
    else if (kind < 0.8) for (let k = 0; k < 3; k++) damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
    else {
      const at = Math.floor(random() * damaged.length);
      damaged = Uint8Array.from([...damaged.subarray(0, at), Math.floor(random() * 256), Math.floor(random() * 256), ...damaged.subarray(at)]);
    }
    try {
      importOnnx(damaged, 'damaged.onnx');
    } catch (err) {
      refused++;
      assert.equal((err as Error).name, 'ModelFileError', `damage ${i}: ${(err as Error).stack}`);
      assert.match((err as Error).message, /^damaged\.onnx: [^\n]+$/);
    }
  }
  // Changed weight bytes still import (ONNX files carry no checksum); everything else is refused.
  assert.ok(refused > 2500, `${refused} of 3000 refused`);
});
