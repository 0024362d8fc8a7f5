import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';

/**
 * Checks that a data set is usable for training, and says precisely what is
 * wrong when it is not: an empty set, `x` of the wrong length, a NaN or
 * infinite feature (first row and column reported, 0-based), a label that is
 * not an integer in 0..classes-1, or name lists of the wrong length.
 * Catching these here is far cheaper than debugging a NaN loss later.
 * Returns the data set so a call can wrap a constructor.
 *
 * @example
 *   validateDataset({ x: new Float32Array([0, 1]), y: new Int32Array([1]), count: 1, features: 2, classes: 2 }, 'mine');
 *   validateDataset({ x: new Float32Array([NaN, 1]), y: new Int32Array([1]), count: 1, features: 2, classes: 2 }, 'mine');
 *   // throws DataError "mine: x[row 0][column 0] is NaN; features must be finite numbers"
 */
export function validateDataset(ds: Dataset, source: string): Dataset {
  const { x, y, count, features, classes } = ds;
  if (!Number.isInteger(count) || count < 1) throw new DataError(source, `data set is empty (count ${count}); expected at least 1 example`);
  if (!Number.isInteger(features) || features < 1) throw new DataError(source, `features is ${features}; expected a positive integer`);
  if (!Number.isInteger(classes) || classes < 1) throw new DataError(source, `classes is ${classes}; expected a positive integer`);
  if (x.length !== count * features) {
    throw new DataError(source, `x has ${x.length} values but count x features is ${count} x ${features} = ${count * features}`);
  }
  if (y.length !== count) throw new DataError(source, `y has ${y.length} labels but count is ${count}`);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    // v - v is 0 for finite numbers and NaN for NaN and +-Infinity: one comparison per value.
    if (v - v !== 0) {
      const row = Math.floor(i / features);
      throw new DataError(source, `x[row ${row}][column ${i - row * features}] is ${v}; features must be finite numbers`);
    }
  }
  for (let i = 0; i < count; i++) {
    const label = y[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new DataError(source, `y[${i}] is ${label}; labels must be integers in 0..${classes - 1}`);
    }
  }
  if (ds.classNames && ds.classNames.length !== classes) {
    throw new DataError(source, `classNames has ${ds.classNames.length} names but classes is ${classes}`);
  }
  if (ds.featureNames && ds.featureNames.length !== features) {
    throw new DataError(source, `featureNames has ${ds.featureNames.length} names but features is ${features}`);
  }
  return ds;
}
