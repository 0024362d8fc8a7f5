import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { blobs } from '../../src/data/synthetic.js';
import { encodeIdx } from '../../src/data/idx.js';
import { loadModel, saveModel } from '../../src/io/model-file.js';
import { Sequential } from '../../src/nn/model.js';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err: err.join('\n') };
}

/** A CSV of 4-feature blobs with the label in the middle column, so dropping it by name matters. */
function writeCsv(path: string, seed: number, withLabel = true): { x: Float32Array; y: Int32Array; count: number } {
  const ds = blobs({ classes: 3, perClass: 40, features: 4, seed });
  const lines = [withLabel ? 'a,b,species,c,d' : 'a,b,c,d'];
  for (let i = 0; i < ds.count; i++) {
    const f = Array.from(ds.x.subarray(i * 4, i * 4 + 4), String);
    lines.push((withLabel ? [f[0], f[1], String(ds.y[i]), f[2], f[3]] : f).join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return { x: ds.x, y: ds.y, count: ds.count };
}

test('caviar predict: probabilities equal the model\'s, classes, accuracy, JSON lines, --out, and a feature-count mismatch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-predict-'));
  try {
    const data = join(dir, 'train.csv');
    const rows = writeCsv(data, 3);
    const exp = join(dir, 'exp.yaml');
    writeFileSync(exp, [
      'name: tiny',
      `data: { source: csv, path: ${data}, label: species }`,
      'model: { hidden: [8] }',
      'train: { epochs: 3, batchSize: 16 }',
      `output: ${join(dir, 'out')}`,
    ].join('\n'));
    const modelPath = join(dir, 'model.safetensors');
    const trained = await run(['train', exp, '--out', modelPath]);
    assert.equal(trained.code, 0, trained.err);
    const model = loadModel(modelPath);
    assert.ok(model.inputNormalization, 'the model carries its input normalization, so predict takes raw rows');
    const expected = model.predict(rows.x); // [count][3]

    const probs = await run(['predict', modelPath, data, '--label', 'species']);
    assert.equal(probs.code, 0, probs.err);
    assert.equal(probs.out[0], 'class_0,class_1,class_2');
    assert.equal(probs.out.length, 1 + rows.count + 1);
    for (let i = 0; i < rows.count; i++) {
      const got = probs.out[1 + i].split(',').map(Number);
      assert.deepEqual(got.map(Math.fround), Array.from(expected.subarray(3 * i, 3 * i + 3)), `row ${i}`);
    }
    const predicted = model.predictClass(rows.x);
    let correct = 0;
    for (let i = 0; i < rows.count; i++) if (predicted[i] === rows.y[i]) correct++;
    assert.equal(probs.out.at(-1), `accuracy ${(correct / rows.count).toFixed(4)} on ${rows.count} rows`);

    const classes = await run(['predict', modelPath, data, '--label', 'species', '--classes', '--format', 'json']);
    assert.equal(classes.code, 0, classes.err);
    assert.deepEqual(classes.out.slice(0, rows.count).map((l) => JSON.parse(l)), Array.from(predicted, (c, row) => ({ row, class: c })));

    const events = await run(['predict', modelPath, data, '--label', 'species', '--json']);
    const parsed = events.out.map((l) => JSON.parse(l));
    assert.equal(parsed.filter((e) => e.type === 'prediction').length, rows.count);
    assert.deepEqual(parsed.at(-1), { type: 'accuracy', accuracy: correct / rows.count, correct, rows: rows.count });

    // Without a label column the rows are features only; --out writes the file whole, then renames it.
    const plain = join(dir, 'plain.csv');
    writeCsv(plain, 3, false);
    const outFile = join(dir, 'preds', 'p.csv');
    const written = await run(['predict', modelPath, plain, '--classes', '--out', outFile]);
    assert.equal(written.code, 0, written.err);
    assert.deepEqual(written.out, [`Model ${modelPath}: not from a study (experiment 'tiny')`, `${rows.count} predicted classes written to ${outFile}`]);
    assert.deepEqual(readFileSync(outFile, 'utf8').trim().split('\n'), ['class', ...Array.from(predicted, String)]);
    assert.deepEqual(readdirSync(join(dir, 'preds')), ['p.csv'], 'no temporary file left behind');

    // The label column left in as a feature: 5 columns for a 4-input model.
    const mismatch = await run(['predict', modelPath, data]);
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.err, /train\.csv: has 5 feature columns, but the model in .*model\.safetensors takes 4 inputs \(is one of them the label\? name it with --label\)/);
    assert.match((await run(['predict', modelPath, data, '--label', 'kind'])).err, /--label: no column named "kind"; the columns are "a", "b", "species", "c", "d"/);
    assert.match((await run(['predict', join(dir, 'none.safetensors'), data])).err, /none\.safetensors: no such file/);
    assert.equal((await run(['predict', modelPath])).code, 2);
    assert.equal((await run(['predict', modelPath, data, '--format', 'xml'])).code, 2);
    assert.match((await run(['predict', '--help'])).out.join('\n'), /^Usage: caviar predict MODEL DATA/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('caviar predict reads IDX images (gzipped), with a labels file, and names classes saved with the model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-predict-'));
  try {
    // A 2x3 "image" model with named classes, as a data set with class names would save it.
    const model = new Sequential({ inputSize: 6, layers: [{ type: 'dense', units: 2 }] }, { seed: 4 });
    const modelPath = join(dir, 'm.safetensors');
    saveModel(model, modelPath, { classNames: JSON.stringify(['cat', 'dog']) });
    const pixels = Array.from({ length: 5 * 6 }, (_, i) => (i * 37) % 256);
    writeFileSync(join(dir, 'images-idx3-ubyte.gz'), encodeIdx({ type: 'uint8', shape: [5, 2, 3], data: pixels }, { gzip: true }));
    const expected = model.predict(Float32Array.from(pixels));
    const predicted = model.predictClass(Float32Array.from(pixels));
    writeFileSync(join(dir, 'labels-idx1-ubyte'), encodeIdx({ type: 'uint8', shape: [5], data: [0, 1, 0, 1, 0] }));
    const r = await run(['predict', modelPath, join(dir, 'images-idx3-ubyte.gz'), '--label', join(dir, 'labels-idx1-ubyte')]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out[0], 'cat,dog');
    for (let i = 0; i < 5; i++) assert.deepEqual(r.out[1 + i].split(',').map((v) => Math.fround(Number(v))), Array.from(expected.subarray(2 * i, 2 * i + 2)));
    const correct = [0, 1, 0, 1, 0].filter((y, i) => predicted[i] === y).length;
    assert.equal(r.out[6], `accuracy ${(correct / 5).toFixed(4)} on 5 rows`);
    const names = await run(['predict', modelPath, join(dir, 'images-idx3-ubyte.gz'), '--classes', '--format', 'json']);
    assert.deepEqual(names.out.map((l) => JSON.parse(l).class), Array.from(predicted, (c) => ['cat', 'dog'][c]));
    writeFileSync(join(dir, 'wide.idx'), encodeIdx({ type: 'uint8', shape: [2, 7], data: new Array(14).fill(1) }));
    const wide = await run(['predict', modelPath, join(dir, 'wide.idx')]);
    assert.equal(wide.code, 2);
    assert.match(wide.err, /wide\.idx: each image has 7 values \(shape \[7\]\), but the model in .*m\.safetensors takes 6 inputs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
