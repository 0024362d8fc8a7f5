import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { loadModelWithMetadata } from '../../src/io/model-file.js';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

test('caviar train trains on built-in data, prints each epoch and the test metrics, and saves the model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-cli-'));
  try {
    const path = join(dir, 'm.safetensors');
    const { code, out } = await run(['train', '--epochs', '4', '--hidden', '16', '--out', path]);
    assert.equal(code, 0);
    assert.match(out[0], /^Training a 2-16-3 network with batch norm on the built-in spirals set \(3 classes, seed 1\)/);
    assert.equal(out.filter((l) => /^epoch \d\/4  loss \d\.\d{4}  acc [\d.]+%  dev loss/.test(l)).length, 4);
    const acc = Number(/test accuracy ([\d.]+)%/.exec(out.join('\n'))![1]);
    assert.ok(acc > 70, `test accuracy ${acc}% after 4 epochs`);
    assert.equal(out.join('\n').split('\n').at(-1), `model saved to ${path}`);
    const { model, metadata } = loadModelWithMetadata(path);
    assert.equal(model.inputSize, 2);
    assert.equal(metadata.data, 'spirals');
    assert.ok(model.inputNormalization);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--json prints one JSON object per event', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-cli-'));
  try {
    const { code, out } = await run(['train', '--data', 'xor', '--epochs', '2', '--json', '--out', join(dir, 'm.safetensors')]);
    assert.equal(code, 0);
    const events = out.map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => e.type), ['start', 'epoch', 'epoch', 'done']);
    assert.equal(events[1].epoch, 1);
    assert.equal(typeof events[3].testAccuracy, 'number');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad usage exits 2 with a message that names the problem', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['train', '--data', 'mnist'], /^caviar train: --data: expected one of spirals, blobs, circles, xor, fashion-mnist, got 'mnist'$/],
    [['train', '--data', 'spiral'], /--data: expected one of .*, got 'spiral' \(did you mean 'spirals'\?\)$/],
    [['train', '--epochs', '0'], /--epochs: expected an integer >= 1, got 0/],
    [['train', '--batch-size', 'x'], /--batch-size: expected an integer >= 1, got NaN/],
    [['train', '--lr', '0'], /--lr: expected a number > 0, got 0/],
    [['train', '--lr=-1'], /--lr: expected a number > 0, got -1/],
    [['train', '--hidden', '16,a'], /--hidden\[1\]: expected a positive integer, got NaN/],
    [['train', '--optimizer', 'adamw'], /--optimizer: expected one of sgd, momentum, rmsprop, adam, got 'adamw' \(did you mean 'adam'\?\)$/],
    [['train', 'a.yaml', 'b.yaml'], /^caviar train: expected at most one EXPERIMENT file, got 2: caviar train \[EXPERIMENT\] \[options\]$/],
    [['train', 'exp.yaml', '--epochs', '3'], /--epochs only applies without an experiment file; set it in exp\.yaml instead/],
    [['train', '/nonexistent/exp.yaml'], /\/nonexistent\/exp\.yaml: 1 problem:\n  no such file/],
    [['train', '--colour'], /^caviar train: unknown option '--colour'; 'caviar train --help' lists the options$/],
    [['train', '--epoch', '3'], /unknown option '--epoch' \(did you mean '--epochs'\?\)/],
    [['fly'], /^caviar: unknown command 'fly'; 'caviar --help' lists the commands$/],
    [['trian'], /^caviar: unknown command 'trian' \(did you mean 'train'\?\)/],
  ];
  for (const [args, message] of cases) {
    const { code, err } = await run(args);
    assert.equal(code, 2, args.join(' '));
    assert.match(err.join('\n'), message);
  }
});

test('help lists the commands and each command has --help', async () => {
  const top = await run(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.out.join('\n'), /train +train one network.*\n  tune +run or resume/);
  const train = await run(['train', '--help']);
  assert.match(train.out.join('\n'), /^Usage: caviar train/);
  const parity = await run(['parity', '--help']);
  assert.match(parity.out.join('\n'), /^Usage: caviar parity FILE/);
});

test('caviar info names the backend in use and the ones available', async () => {
  const { code, out } = await run(['info', '--json']);
  assert.equal(code, 0);
  const info = JSON.parse(out[0]);
  assert.equal(info.type, 'info');
  assert.ok(info.available.includes('reference'));
  assert.ok(info.available.includes(info.backend));
});

test('caviar train EXPERIMENT on a CSV with named classes saves the names with the model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-cli-'));
  try {
    const rows = ['a,b,kind'];
    for (let i = 0; i < 40; i++) rows.push(`${i % 2 ? 1 + i / 40 : -1 - i / 40},${(i % 5) / 5},${i % 2 ? 'dog' : 'cat'}`);
    writeFileSync(join(dir, 'pets.csv'), rows.join('\n'));
    writeFileSync(join(dir, 'pets.yaml'), 'data: { source: csv, path: pets.csv, label: kind, dev: 0.2, test: 0.2 }\nmodel: { hidden: [4] }\ntrain: { epochs: 2, batchSize: 8 }\n');
    const path = join(dir, 'm.safetensors');
    const { code } = await run(['train', join(dir, 'pets.yaml'), '--out', path]);
    assert.equal(code, 0);
    assert.equal(loadModelWithMetadata(path).metadata.classNames, '["cat","dog"]');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a training that diverges saves nothing, leaves a model already at --out untouched, and exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-cli-'));
  try {
    const path = join(dir, 'm.safetensors');
    assert.equal((await run(['train', '--epochs', '2', '--hidden', '8', '--out', path])).code, 0);
    const before = readFileSync(path);
    const { code, out } = await run(['train', '--epochs', '2', '--hidden', '8', '--lr', '1e6', '--optimizer', 'sgd', '--no-batch-norm', '--out', path]);
    assert.equal(code, 1);
    assert.match(out.join('\n'), /stopped: training diverged: the loss became (NaN|Infinity)/);
    assert.equal(out.at(-1), `no model saved: the training diverged (${path} is untouched)`);
    assert.deepEqual(readFileSync(path), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
