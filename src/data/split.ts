/**
 * Taking rows out of a data set: `subset` by index, `splitDataset` into the
 * course's train / dev / test sets, and `concat` to put sets back together.
 * Every result holds copies, so normalizing one split never touches another.
 */
import type { Dataset } from './dataset.js';
import { Rng } from '../util/rng.js';

/**
 * The examples at `indices`, in that order (repeats allowed).
 *
 * @example
 *   const ds = { x: new Float32Array([0, 1, 2, 3, 4, 5]), y: new Int32Array([0, 1, 0]), count: 3, features: 2, classes: 2 };
 *   subset(ds, [2, 0]).x; // Float32Array [4, 5, 0, 1]
 */
export function subset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const { features } = ds;
  const count = indices.length;
  const x = new Float32Array(count * features); // [count][features]
  const y = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) {
      throw new RangeError(`subset: index ${i} (position ${k}) is outside 0..${ds.count - 1}`);
    }
    x.set(ds.x.subarray(i * features, (i + 1) * features), k * features);
    y[k] = ds.y[i];
  }
  return { ...ds, x, y, count };
}

export interface SplitOptions {
  /** Size of the dev set: a fraction in [0, 1) of all examples, or a count (an integer >= 1). Default 0. */
  dev?: number;
  /** Size of the test set, same rules. Default 0. */
  test?: number;
  /** Shuffle before cutting (default true): files are often sorted by class. */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0). */
  seed?: number;
}

export interface Splits {
  readonly train: Dataset;
  /** count 0 when `dev` is 0. */
  readonly dev: Dataset;
  /** count 0 when `test` is 0. */
  readonly test: Dataset;
}

/**
 * Splits a data set into train, dev and test sets (the course: dev to choose
 * between models, test for an unbiased final estimate). Fractions are rounded
 * to whole examples. The same seed gives the same split. Without shuffling,
 * train takes the first rows, then dev, then test. Not stratified.
 *
 * @example
 *   const { train, dev, test } = splitDataset(spirals({ classes: 3, perClass: 100 }), { dev: 0.1, test: 0.1, seed: 1 });
 *   [train.count, dev.count, test.count]; // [240, 30, 30]
 */
export function splitDataset(ds: Dataset, options: SplitOptions = {}): Splits {
  const devCount = splitSize(options.dev ?? 0, ds.count, 'dev');
  const testCount = splitSize(options.test ?? 0, ds.count, 'test');
  const trainCount = ds.count - devCount - testCount;
  if (trainCount < 1) {
    throw new RangeError(`splitDataset: dev (${devCount}) + test (${testCount}) leave no training examples out of ${ds.count}`);
  }
  const order = Array.from({ length: ds.count }, (_, i) => i);
  if (options.shuffle ?? true) new Rng(options.seed ?? 0).shuffle(order);
  return {
    train: subset(ds, order.slice(0, trainCount)),
    dev: subset(ds, order.slice(trainCount, trainCount + devCount)),
    test: subset(ds, order.slice(trainCount + devCount)),
  };
}

function splitSize(value: number, count: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`splitDataset: ${name} must be >= 0, got ${value}`);
  if (value < 1) return Math.round(value * count);
  if (!Number.isInteger(value)) throw new RangeError(`splitDataset: ${name} is ${value}; give a fraction below 1 or a whole count`);
  return value;
}

/**
 * The examples of several data sets, one after the other. They must agree on
 * features and classes (and class names, when they have them).
 *
 * @example
 *   concat(train, dev).count === train.count + dev.count; // true
 */
export function concat(...sets: Dataset[]): Dataset {
  if (sets.length === 0) throw new RangeError('concat: needs at least one data set');
  const first = sets[0];
  sets.forEach((ds, k) => {
    if (ds.features !== first.features || ds.classes !== first.classes) {
      throw new RangeError(
        `concat: data set ${k} has ${ds.features} features and ${ds.classes} classes, but data set 0 has ${first.features} and ${first.classes}`,
      );
    }
    if (ds.classNames && first.classNames && ds.classNames.join('\u0000') !== first.classNames.join('\u0000')) {
      throw new RangeError(`concat: data set ${k} names its classes differently from data set 0`);
    }
  });
  const count = sets.reduce((n, ds) => n + ds.count, 0);
  const x = new Float32Array(count * first.features);
  const y = new Int32Array(count);
  let at = 0;
  for (const ds of sets) {
    x.set(ds.x, at * first.features);
    y.set(ds.y, at);
    at += ds.count;
  }
  return { ...first, x, y, count };
}
