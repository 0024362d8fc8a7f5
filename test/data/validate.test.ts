import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset } from '../../src/data/dataset.js';
import { DataError } from '../../src/data/errors.js';
import { validateDataset } from '../../src/data/validate.js';

const good: Dataset = { x: new Float32Array([0, 1, 2, 3, 4, 5]), y: new Int32Array([0, 2, 1]), count: 3, features: 2, classes: 3 };

test('a sound data set passes and is returned', () => {
  assert.equal(validateDataset(good, 'good'), good);
});

test('each defect is reported with the source and where it is', () => {
  const bad = (ds: Partial<Dataset>, message: string) =>
    assert.throws(() => validateDataset({ ...good, ...ds } as Dataset, 'mine'), (e: unknown) => e instanceof DataError && e.message === message);
  bad({ count: 0, x: new Float32Array(0), y: new Int32Array(0) }, 'mine: data set is empty (count 0); expected at least 1 example');
  bad({ x: new Float32Array(5) }, 'mine: x has 5 values but count x features is 3 x 2 = 6');
  bad({ y: new Int32Array(2) }, 'mine: y has 2 labels but count is 3');
  bad({ x: new Float32Array([0, 1, 2, NaN, 4, 5]) }, 'mine: x[row 1][column 1] is NaN; features must be finite numbers');
  bad({ x: new Float32Array([0, 1, 2, 3, -Infinity, 5]) }, 'mine: x[row 2][column 0] is -Infinity; features must be finite numbers');
  bad({ y: new Int32Array([0, 3, 1]) }, 'mine: y[1] is 3; labels must be integers in 0..2');
  bad({ y: new Int32Array([0, 1, -1]) }, 'mine: y[2] is -1; labels must be integers in 0..2');
  bad({ y: [0, 1.5, 1] as unknown as Int32Array }, 'mine: y[1] is 1.5; labels must be integers in 0..2');
  bad({ classNames: ['a', 'b'] }, 'mine: classNames has 2 names but classes is 3');
  bad({ featureNames: ['a'] }, 'mine: featureNames has 1 names but features is 2');
});
