import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset } from '../../src/data/dataset.js';
import { DataError } from '../../src/data/errors.js';
import { Normalizer } from '../../src/data/normalize.js';

// 4 examples x 3 features: [1..4], a constant 7, and [0, 0, 0, 8].
const train: Dataset = {
  x: new Float32Array([1, 7, 0, 2, 7, 0, 3, 7, 0, 4, 7, 8]),
  y: new Int32Array([0, 1, 0, 1]),
  count: 4,
  features: 3,
  classes: 2,
};

test('mean and std match the hand-computed values; a constant feature gets std 1', () => {
  const n = Normalizer.fit(train);
  // mean [2.5, 7, 2]; population variance [(2.25+0.25+0.25+2.25)/4, 0, (4+4+4+36)/4] = [1.25, 0, 12]
  assert.deepEqual(n.toJSON(), { mean: [2.5, 7, 2], std: [Math.sqrt(1.25), 1, Math.sqrt(12)] });
  const out = n.apply(train);
  const expected = [
    -1.5 / Math.sqrt(1.25), 0, -2 / Math.sqrt(12),
    -0.5 / Math.sqrt(1.25), 0, -2 / Math.sqrt(12),
    0.5 / Math.sqrt(1.25), 0, -2 / Math.sqrt(12),
    1.5 / Math.sqrt(1.25), 0, 6 / Math.sqrt(12),
  ];
  assert.deepEqual(Array.from(out.x), expected.map(Math.fround));
  assert.deepEqual(Array.from(train.x), [1, 7, 0, 2, 7, 0, 3, 7, 0, 4, 7, 8], 'apply copies');
  assert.equal(out.y, train.y);
});

test('the training statistics are applied unchanged to other data', () => {
  const n = Normalizer.fit(train);
  const example = new Float32Array([2.5, 8, 2, 5, 7, 2 + Math.sqrt(12)]);
  n.applyInPlace(example);
  assert.deepEqual(Array.from(example), [0, 1, 0, Math.fround(2.5 / Math.sqrt(1.25)), 0, 1]);
  assert.throws(() => n.applyInPlace(new Float32Array(4)), /4 values are not whole rows of 3 features/);
  assert.throws(() => n.apply({ ...train, features: 2, x: new Float32Array(8) }), /fitted on 3 features but the data set has 2/);
});

test('statistics are accumulated in float64', () => {
  // 1e6 + 0.5 and 1e6 + 1.5 are exact in float32, but 200000 of them summed in float32 would drift.
  const count = 200_000;
  const x = Float32Array.from({ length: count }, (_, i) => 1e6 + (i % 2 === 0 ? 0.5 : 1.5));
  const n = Normalizer.fit({ x, y: new Int32Array(count), count, features: 1, classes: 1 });
  assert.deepEqual(n.toJSON(), { mean: [1000001], std: [0.5] });
});

test('toJSON / fromJSON round trip, and fromJSON checks what it reads', () => {
  const n = Normalizer.fit(train);
  const back = Normalizer.fromJSON(JSON.parse(JSON.stringify(n)));
  assert.deepEqual(back.toJSON(), n.toJSON());
  const bad = (json: unknown, message: string) =>
    assert.throws(() => Normalizer.fromJSON(json, 'model.json'), (e: unknown) => e instanceof DataError && e.message === message);
  bad(null, 'model.json: normalizer must be an object with mean and std, got null');
  bad({ mean: [0], std: 'x' }, 'model.json: normalizer.std must be an array of numbers, got "x"');
  bad({ mean: [0, 1], std: [1] }, 'model.json: normalizer.mean has 2 values but normalizer.std has 1; expected one of each per feature');
  bad({ mean: [], std: [] }, 'model.json: normalizer.mean is empty; expected one value per feature');
  bad({ mean: [0, '1'], std: [1, 1] }, 'model.json: normalizer.mean[1] is "1"; expected a finite number');
  bad({ mean: [0, 1], std: [1, 0] }, 'model.json: normalizer.std[1] is 0; expected a finite number > 0');
});

test('fit also takes bare rows (x, count, features) without labels', () => {
  const n = Normalizer.fit({ x: [1, 7, 0, 2, 7, 0, 3, 7, 0, 4, 7, 8], count: 4, features: 3 });
  assert.deepEqual(n.toJSON(), Normalizer.fit(train).toJSON());
});
