// caviar export and caviar import from the command line: the round trip
// through files, and bad input, which must give one clear line (the file and
// what is wrong), exit code 2, and no file written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaviar as run } from '../helpers/cli.js';
import { blobs } from '../../src/data/synthetic.js';
import { encodeModel, loadModelWithMetadata, saveModel } from '../../src/io/model-file.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { decodeModelProto, encodeModelProto } from '../../src/io/onnx/onnx-proto.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { batchNorm, dense, relu, type LayerConfig } from '../../src/nn/config.js';
import { Sequential } from '../../src/nn/model.js';
import { maxAbsDiff, runOnnx } from '../helpers/onnx-runtime.js';


const data = blobs({ classes: 3, perClass: 50, features: 4, spread: 1.5, seed: 9 });
const metadata = { experiment: 'blobs', study: 'blobs-tpe', trial: '7', params: '{"hidden":[8]}', classNames: '["setosa","versicolor","virginica"]' };

async function trainedModel(): Promise<Sequential> {
  const model = new Sequential({ inputSize: 4, layers: [dense(8, { bias: false }), batchNorm(), relu(), dense(3)] }, { seed: 3 });
  await model.fit(data.x, data.y, { epochs: 3, batchSize: 16, normalizeInputs: true });
  return model;
}

function withDir(body: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'caviar-onnx-cli-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('caviar export then caviar import: ONNX Runtime agrees, the metadata travels, and the model comes back', withDir(async (dir) => {
  const model = await trainedModel();
  const modelPath = join(dir, 'model.safetensors');
  saveModel(model, modelPath, metadata);

  for (const fold of [false, true]) {
    const onnxPath = join(dir, fold ? 'folded.onnx' : 'model.onnx');
    const exported = await run(['export', modelPath, '--format', 'onnx', onnxPath, ...(fold ? ['--fold-bn'] : [])]);
    assert.equal(exported.code, 0, exported.err);
    assert.match(exported.out, fold ? /exported to .*folded\.onnx: ONNX opset 13, 6 nodes, \d+ bytes; 1 batch norm folded$/m : /exported to .*model\.onnx: ONNX opset 13, 7 nodes, \d+ bytes$/m);
    assert.match(exported.out, /input 'input' float32 \[batch, 4\] \(raw features\), output 'probabilities' float32 \[batch, 3\]/);
    const bytes = readFileSync(onnxPath);
    const { probabilities, session } = await runOnnx(bytes, data.x, 4);
    await session.release();
    assert.ok(maxAbsDiff(probabilities, model.predict(data.x)) < 1e-5);
    const props = Object.fromEntries(decodeModelProto(bytes).metadataProps.map((p) => [p.key, p.value]));
    for (const [key, value] of Object.entries(metadata)) assert.equal(props[key], value, key);

    const importedPath = join(dir, fold ? 'folded.safetensors' : 'again.safetensors');
    const imported = await run(['import', onnxPath, importedPath]);
    assert.equal(imported.code, 0, imported.err);
    assert.match(imported.out, fold ? /imported to .*: 4 inputs, dense\(8\) relu dense\(3\), 67 parameters/ : /4 inputs, dense\(8\) batchNorm relu dense\(3\), 75 parameters/);
    const back = loadModelWithMetadata(importedPath);
    assert.deepEqual(back.metadata, metadata);
    if (fold) assert.ok(maxAbsDiff(back.model.predict(data.x), model.predict(data.x)) < 1e-6);
    else assert.deepEqual(readFileSync(importedPath), readFileSync(modelPath), 'safetensors -> ONNX -> safetensors gives the same file');
  }

  const json = await run(['export', modelPath, join(dir, 'j.onnx'), '--json']);
  assert.equal(json.code, 0, json.err);
  const event = JSON.parse(json.out);
  assert.equal(event.type, 'exported');
  assert.equal(event.opset, 13);
  assert.equal(event.nodes, 7);
  const help = await run(['export', '--help']);
  assert.match(help.out, /^Usage: caviar export MODEL --format onnx OUT/);
  assert.match((await run(['import', '-h'])).out, /^Usage: caviar import MODEL\.onnx OUT/);
  assert.match((await run(['--help'])).out, /export .*ONNX[\s\S]*import .*ONNX/);
}));

/** Runs a command that must fail on bad input: exit 2, one line naming the file, nothing written. */
async function refused(dir: string, args: string[], expected: RegExp, out: string) {
  const before = readdirSync(dir).sort();
  const result = await run(args);
  assert.equal(result.code, 2, `${args.join(' ')}: exit ${result.code}, ${result.err}`);
  assert.equal(result.err.split('\n').length, 1, `one line: ${result.err}`);
  assert.match(result.err, expected);
  assert.equal(existsSync(out), false, `${out} was written`);
  assert.deepEqual(readdirSync(dir).sort(), before, 'no file left behind (no temporary file either)');
}

test('caviar export: a file that is not a caviar model, a damaged one, or a model ONNX cannot express gives one clear line and writes nothing', withDir(async (dir) => {
  const out = join(dir, 'out.onnx');
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'hello, this is not a model\n');
  await refused(dir, ['export', text, '--format', 'onnx', out], /^caviar export: .*notes\.txt: not a readable model file: header length says \d+ bytes but only \d+ bytes follow the first 8$/, out);

  const foreign = join(dir, 'weights.safetensors');
  writeFileSync(foreign, encodeSafetensors({ w: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } }));
  await refused(dir, ['export', foreign, out], /^caviar export: .*weights\.safetensors: a safetensors file, but not a caviar model \(no caviar\.format in its metadata\)$/, out);

  const model = await trainedModel();
  const bytes = encodeModel(model, metadata);
  const truncated = join(dir, 'truncated.safetensors');
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 33));
  await refused(dir, ['export', truncated, out], /^caviar export: .*truncated\.safetensors: not a readable model file: tensor "3\.weight": data_offsets \[\d+, \d+\] run past the end of the data section \(\d+ bytes\)$/, out);

  const corrupt = join(dir, 'corrupt.safetensors');
  const damaged = bytes.slice();
  damaged.set(new TextEncoder().encode('#'), 8 + 1); // the JSON header's second character
  writeFileSync(corrupt, damaged);
  await refused(dir, ['export', corrupt, out], /^caviar export: .*corrupt\.safetensors: not a readable model file: header is not JSON/, out);

  await refused(dir, ['export', join(dir, 'missing.safetensors'), out], /^caviar export: .*missing\.safetensors: no such file$/, out);

  const unknownOption = join(dir, 'newer.safetensors');
  saveModel(new Sequential({ inputSize: 4, layers: [dense(8), { type: 'relu', maxValue: 6 } as unknown as LayerConfig, dense(3)] }), unknownOption);
  await refused(dir, ['export', unknownOption, out], /^caviar export: cannot export to ONNX: layers\[1\] \(relu\) has the option 'maxValue', which the ONNX exporter does not know/, out);

  const good = join(dir, 'good.safetensors');
  saveModel(model, good);
  await refused(dir, ['export', good, '--format', 'tflite', out], /^caviar export: --format: expected onnx, got 'tflite'$/, out);
  await refused(dir, ['export', good, good], /^caviar export: OUT .*good\.safetensors: is this command's input \(MODEL\); a command never writes over what it reads; choose another path$/, join(dir, 'never'));
}));

test('caviar import: a non-ONNX file, a damaged one, or an ONNX model caviar did not export gives one clear line and writes nothing', withDir(async (dir) => {
  const out = join(dir, 'out.safetensors');
  const text = join(dir, 'rows.csv');
  writeFileSync(text, 'a,b,label\n1,2,0\n');
  await refused(dir, ['import', text, out], /^caviar import: .*rows\.csv: not an ONNX model/, out);

  const model = await trainedModel();
  const safetensors = join(dir, 'model.safetensors');
  saveModel(model, safetensors);
  await refused(dir, ['import', safetensors, out], /^caviar import: .*model\.safetensors: a safetensors file, not an ONNX model/, out);

  const bytes = exportOnnx(model);
  const truncated = join(dir, 'cut.onnx');
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await refused(dir, ['import', truncated, out], /^caviar import: .*cut\.onnx: not an ONNX model, or a damaged one: .*truncated/, out);

  const foreign = decodeModelProto(bytes);
  foreign.producerName = 'tf2onnx';
  foreign.producerVersion = '1.16.1';
  foreign.metadataProps = [];
  const foreignPath = join(dir, 'keras.onnx');
  writeFileSync(foreignPath, encodeModelProto(foreign));
  await refused(dir, ['import', foreignPath, out],
    /^caviar import: .*keras\.onnx: an ONNX model from 'tf2onnx' 1\.16\.1 \(7 nodes: Sub, Div, Gemm, BatchNormalization, Relu, Softmax\), not one caviar exported/, out);

  await refused(dir, ['import', join(dir, 'missing.onnx'), out], /^caviar import: .*missing\.onnx: no such file$/, out);
}));
