import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset } from '../../src/data/dataset.js';
import { concat, splitDataset, subset } from '../../src/data/split.js';

/** 10 examples; example i has features [i, 10 + i] and label i % 3. */
function tenRows(): Dataset {
  const x = new Float32Array(20);
  for (let i = 0; i < 10; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = 10 + i;
  }
  return { x, y: Int32Array.from({ length: 10 }, (_, i) => i % 3), count: 10, features: 2, classes: 3, classNames: ['a', 'b', 'c'] };
}

const ids = (ds: Dataset) => Array.from({ length: ds.count }, (_, k) => ds.x[2 * k]);

test('subset copies the chosen rows in order', () => {
  const ds = tenRows();
  const s = subset(ds, [7, 2, 7]);
  assert.deepEqual(Array.from(s.x), [7, 17, 2, 12, 7, 17]);
  assert.deepEqual(Array.from(s.y), [1, 2, 1]);
  assert.equal(s.count, 3);
  assert.deepEqual(s.classNames, ['a', 'b', 'c']);
  s.x[0] = 99;
  assert.equal(ds.x[14], 7, 'the original is untouched');
  assert.throws(() => subset(ds, [10]), /index 10 \(position 0\) is outside 0\.\.9/);
});

test('split sizes from fractions and counts; the three parts cover every example once', () => {
  const ds = tenRows();
  const a = splitDataset(ds, { dev: 0.2, test: 0.3, seed: 5 });
  assert.deepEqual([a.train.count, a.dev.count, a.test.count], [5, 2, 3]);
  assert.deepEqual([...ids(a.train), ...ids(a.dev), ...ids(a.test)].sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (const part of [a.train, a.dev, a.test]) {
    for (let k = 0; k < part.count; k++) {
      const i = part.x[2 * k];
      assert.equal(part.x[2 * k + 1], 10 + i);
      assert.equal(part.y[k], i % 3, 'labels travel with their rows');
    }
  }
  const b = splitDataset(ds, { dev: 1, test: 2, seed: 5 });
  assert.deepEqual([b.train.count, b.dev.count, b.test.count], [7, 1, 2]);
  const none = splitDataset(ds, { seed: 1 });
  assert.deepEqual([none.train.count, none.dev.count, none.test.count], [10, 0, 0]);
});

test('the same seed gives the same split, another seed another; no shuffle keeps file order', () => {
  const ds = tenRows();
  const a = splitDataset(ds, { dev: 0.2, test: 0.2, seed: 42 });
  const b = splitDataset(ds, { dev: 0.2, test: 0.2, seed: 42 });
  const c = splitDataset(ds, { dev: 0.2, test: 0.2, seed: 43 });
  assert.deepEqual(ids(a.train), ids(b.train));
  assert.deepEqual(ids(a.test), ids(b.test));
  assert.notDeepEqual([...ids(a.train), ...ids(a.dev)], [...ids(c.train), ...ids(c.dev)]);
  assert.notDeepEqual(ids(a.train), [0, 1, 2, 3, 4, 5]);
  const ordered = splitDataset(ds, { dev: 0.2, test: 0.2, shuffle: false });
  assert.deepEqual(ids(ordered.train), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(ids(ordered.dev), [6, 7]);
  assert.deepEqual(ids(ordered.test), [8, 9]);
});

test('impossible splits are refused', () => {
  const ds = tenRows();
  assert.throws(() => splitDataset(ds, { dev: 5, test: 5 }), /dev \(5\) \+ test \(5\) leave no training examples out of 10/);
  assert.throws(() => splitDataset(ds, { dev: 1.5 }), /dev is 1\.5; give a fraction below 1 or a whole count/);
  assert.throws(() => splitDataset(ds, { test: -0.1 }), /test must be >= 0/);
});

test('concat undoes a split', () => {
  const ds = tenRows();
  const { train, dev, test: t } = splitDataset(ds, { dev: 3, test: 3, shuffle: false });
  const back = concat(train, dev, t);
  assert.deepEqual(Array.from(back.x), Array.from(ds.x));
  assert.deepEqual(Array.from(back.y), Array.from(ds.y));
  assert.equal(back.count, 10);
  assert.throws(() => concat(ds, { ...ds, features: 1, x: new Float32Array(10) }), /data set 1 has 1 features and 3 classes, but data set 0 has 2 and 3/);
  assert.throws(() => concat(ds, { ...ds, classNames: ['a', 'b', 'z'] }), /names its classes differently/);
});
