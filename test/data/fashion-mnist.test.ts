import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_SYSTEM_DIR,
  FashionMnistNotFoundError,
  fashionMnistAvailable,
  fashionMnistSearchPath,
  findFashionMnistFiles,
  loadFashionMnist,
} from '../../src/data/fashion-mnist.js';
import { encodeIdx } from '../../src/data/idx.js';

const NOT_FOUND_NOTICE = 'skipped: Fashion-MNIST not found (apt-get install dataset-fashion-mnist)';

test('the real Fashion-MNIST files load with their known counts and values', (t) => {
  const dir = fashionMnistAvailable();
  if (dir === null) {
    if (process.env.CAVIAR_REQUIRE_ALL === '1') assert.fail(`CAVIAR_REQUIRE_ALL=1 but ${NOT_FOUND_NOTICE.slice(9)}`);
    t.skip(NOT_FOUND_NOTICE);
    return;
  }
  const train = loadFashionMnist({ split: 'train' });
  assert.equal(train.count, 60000);
  assert.equal(train.features, 784);
  assert.equal(train.classes, 10);
  assert.deepEqual(train.classNames, FASHION_MNIST_CLASS_NAMES);
  assert.deepEqual(Array.from(countLabels(train.y)), new Array(10).fill(6000));
  // Facts of the published files (checked with an independent numpy reader).
  assert.deepEqual(Array.from(train.y.subarray(0, 10)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  let firstImageSum = 0;
  for (let j = 0; j < 784; j++) firstImageSum += train.x[j];
  assert.equal(firstImageSum, 76247);
  let total = 0;
  let max = 0;
  for (const v of train.x) {
    total += v;
    if (v > max) max = v;
  }
  assert.ok(Math.abs(total / train.x.length - 72.94035223214286) < 1e-9, 'mean pixel of the training images');
  assert.equal(max, 255);

  const testSplit = loadFashionMnist({ split: 'test' });
  assert.equal(testSplit.count, 10000);
  assert.equal(testSplit.features, 784);
  assert.deepEqual(Array.from(countLabels(testSplit.y)), new Array(10).fill(1000));
  assert.deepEqual(Array.from(testSplit.y.subarray(0, 10)), [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
});

test('a folder of small stand-in files is found through dir and CAVIAR_DATA_DIR, raw or gzipped', () => {
  const root = mkdtempSync(join(tmpdir(), 'caviar-fm-'));
  const saved = process.env.CAVIAR_DATA_DIR;
  try {
    const folder = join(root, 'fashion-mnist');
    mkdirSync(folder);
    // train gzipped, test uncompressed: both spellings must be found.
    writeFileSync(join(folder, 'train-images-idx3-ubyte.gz'), encodeIdx({ type: 'uint8', shape: [2, 2, 2], data: [0, 1, 2, 3, 4, 5, 6, 7] }, { gzip: true }));
    writeFileSync(join(folder, 'train-labels-idx1-ubyte.gz'), encodeIdx({ type: 'uint8', shape: [2], data: [9, 0] }, { gzip: true }));
    writeFileSync(join(folder, 't10k-images-idx3-ubyte'), encodeIdx({ type: 'uint8', shape: [1, 2, 2], data: [8, 9, 10, 11] }));
    writeFileSync(join(folder, 't10k-labels-idx1-ubyte'), encodeIdx({ type: 'uint8', shape: [1], data: [3] }));

    const train = loadFashionMnist({ split: 'train', dir: folder });
    assert.equal(train.count, 2);
    assert.equal(train.features, 4);
    assert.equal(train.classes, 10);
    assert.deepEqual(Array.from(train.y), [9, 0]);
    assert.equal(train.classNames?.[9], 'Ankle boot');
    assert.equal(fashionMnistAvailable(folder), folder);
    assert.deepEqual(findFashionMnistFiles({ split: 'test', dir: folder }), {
      images: join(folder, 't10k-images-idx3-ubyte'),
      labels: join(folder, 't10k-labels-idx1-ubyte'),
    });

    process.env.CAVIAR_DATA_DIR = root;
    assert.deepEqual(fashionMnistSearchPath(), [folder, FASHION_MNIST_SYSTEM_DIR]);
    const viaEnv = loadFashionMnist({ split: 'test' });
    assert.deepEqual(Array.from(viaEnv.x), [8, 9, 10, 11]);
    assert.deepEqual(Array.from(viaEnv.y), [3]);
  } finally {
    if (saved === undefined) delete process.env.CAVIAR_DATA_DIR;
    else process.env.CAVIAR_DATA_DIR = saved;
    rmSync(root, { recursive: true, force: true });
  }
});

test('a missing data set says how to get it', () => {
  const empty = mkdtempSync(join(tmpdir(), 'caviar-fm-empty-'));
  try {
    assert.equal(fashionMnistAvailable(empty), null);
    assert.throws(
      () => loadFashionMnist({ split: 'train', dir: empty }),
      (e: unknown) =>
        e instanceof FashionMnistNotFoundError &&
        e.message.includes(`looked in ${empty}.`) &&
        e.message.includes('apt-get install dataset-fashion-mnist') &&
        e.message.includes('set CAVIAR_DATA_DIR to a folder containing fashion-mnist/ with train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz'),
    );
    assert.deepEqual(fashionMnistSearchPath(undefined, {}), [FASHION_MNIST_SYSTEM_DIR]);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

function countLabels(y: Int32Array): Int32Array {
  const counts = new Int32Array(10);
  for (const label of y) counts[label]++;
  return counts;
}
