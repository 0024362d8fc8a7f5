/** Loads an experiment's data and splits it into train, dev and test sets. */
import { existsSync } from 'node:fs';
import { readCsv } from '../data/csv.js';
import { DataError } from '../data/errors.js';
import type { Dataset } from '../data/dataset.js';
import { ensureFashionMnist, loadFashionMnist } from '../data/fashion-mnist.js';
import { loadIdxDataset } from '../data/idx.js';
import { splitDataset, subset } from '../data/split.js';
import { blobs, circles, spirals, xor } from '../data/synthetic.js';
import { Normalizer } from '../data/normalize.js';
import { normalizeRows } from '../train/inputs.js';
import type { DataSettings } from './spec.js';

export interface Splits {
  train: Dataset;
  dev: Dataset;
  test: Dataset;
  /** For people: "Fashion-MNIST", "the built-in spirals set (3 classes)". */
  description: string;
}

/**
 * What must happen before the synchronous `loadSplits` can succeed: today,
 * fetching Fashion-MNIST into the cache when it is installed nowhere. Commands
 * await it first; `onDownload` tells a person why they are waiting.
 *
 * @example
 *   await prepareData(exp.data);
 *   const data = loadSplits(exp.data, exp.seed);
 */
export async function prepareData(d: DataSettings, onDownload?: (name: string, url: string) => void): Promise<void> {
  if (d.source === 'fashion-mnist') await ensureFashionMnist({ ...(d.dir ? { dir: d.dir } : {}), ...(onDownload ? { onDownload } : {}) });
}

/**
 * Generated sets are drawn from `seed`; files are read as they are. When the
 * data has a separate test set (Fashion-MNIST, testImages, testPath), only
 * the dev set is carved from the training data.
 */
export function loadSplits(d: DataSettings, seed: number): Splits {
  switch (d.source) {
    case 'fashion-mnist': {
      let train = loadFashionMnist({ split: 'train', ...(d.dir ? { dir: d.dir } : {}) });
      const test = loadFashionMnist({ split: 'test', ...(d.dir ? { dir: d.dir } : {}) });
      if (d.limit !== undefined && d.limit < train.count) train = subset(train, range(d.limit));
      return { ...withSeparateTest(train, test, d, seed), description: 'Fashion-MNIST' };
    }
    case 'idx': {
      mustExist(d, ['images', 'labels', 'testImages', 'testLabels']);
      const all = loadIdxDataset(d.images!, d.labels!);
      if (d.testImages && d.testLabels) {
        const test = loadIdxDataset(d.testImages, d.testLabels, { classes: all.classes });
        return { ...withSeparateTest(all, test, d, seed), description: `IDX files ${d.images}` };
      }
      return { ...carve(all, d, seed), description: `IDX files ${d.images}` };
    }
    case 'csv': {
      mustExist(d, ['path', 'testPath']);
      const all = readCsv(d.path!, { labelColumn: d.label! });
      if (d.testPath) {
        const test = readCsv(d.testPath, { labelColumn: d.label!, classes: all.classes });
        return { ...withSeparateTest(all, test, d, seed), description: `CSV file ${d.path}` };
      }
      return { ...carve(all, d, seed), description: `CSV file ${d.path}` };
    }
    default: {
      const perClass = d.perClass ?? 300;
      const noise = d.noise;
      const generated =
        d.source === 'blobs' ? blobs({ classes: d.classes ?? 3, perClass, features: d.features ?? 2, ...(noise !== undefined ? { spread: noise } : {}), seed })
        : d.source === 'circles' ? circles({ perClass, noise: noise ?? 0.1, seed })
        : d.source === 'xor' ? xor({ perClass, noise: noise ?? 0.15, seed })
        : spirals({ classes: d.classes ?? 3, perClass, ...(noise !== undefined ? { noise } : {}), seed });
      return { ...carve(generated, d, seed), description: `the built-in ${d.source} set (${generated.classes} classes, seed ${seed})` };
    }
  }
}

/**
 * The test set of `loadSplits(d, seed)`, without reading the training data
 * where the test set does not depend on it (Fashion-MNIST's own test file):
 * the dashboard shows a trial's test examples.
 *
 * @example const { test } = loadTestSplit(exp.data, exp.seed); // the 10,000 test images for fashion-mnist
 */
export function loadTestSplit(d: DataSettings, seed: number): { test: Dataset; description: string } {
  if (d.source === 'fashion-mnist') return { test: loadFashionMnist({ split: 'test', ...(d.dir ? { dir: d.dir } : {}) }), description: 'Fashion-MNIST' };
  const { test, description } = loadSplits(d, seed);
  return { test, description };
}

/** A missing file is named with the field that points at it, before any reading starts. */
function mustExist(d: DataSettings, fields: ('images' | 'labels' | 'testImages' | 'testLabels' | 'path' | 'testPath')[]): void {
  for (const field of fields) {
    const path = d[field];
    if (path !== undefined && !existsSync(path)) throw new DataError(path, `no such file (data.${field} in the experiment file)`);
  }
}

function carve(all: Dataset, d: DataSettings, seed: number) {
  const { train, dev, test } = splitDataset(all, { dev: d.dev, test: d.test, seed });
  if (test.count === 0) throw new RangeError(`data: the test set is empty; set data.test to a fraction or count > 0`);
  return { train, dev, test };
}

function withSeparateTest(all: Dataset, test: Dataset, d: DataSettings, seed: number) {
  const { train, dev } = splitDataset(all, { dev: d.dev, seed });
  if (test.features !== all.features) {
    throw new RangeError(`data: the test set has ${test.features} features per example, the training set ${all.features}`);
  }
  return { train, dev, test };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

const normalizedCache = new WeakMap<Dataset, { normalizer: Normalizer; x: Float32Array }>();

/**
 * The training set's input normalization and the normalized copy a float32
 * `fit` trains on, computed once per data set and kept while it lives: every
 * trial of a study trains on the same training set, and fitting the
 * normalization and copying Fashion-MNIST's 55,000 images cost a few
 * hundred milliseconds per trial.
 */
export function normalizedTrain(train: Dataset): { normalizer: Normalizer; x: Float32Array } {
  let entry = normalizedCache.get(train);
  if (!entry) {
    const normalizer = Normalizer.fit(train);
    // The same float32 mean and std the model keeps, so the copy is exactly what fit would make.
    const ex = { x: train.x, count: train.count, features: train.features };
    const { x } = normalizeRows(ex, Float32Array.from(normalizer.mean), Float32Array.from(normalizer.std), 'float32');
    entry = { normalizer, x: x as Float32Array };
    normalizedCache.set(train, entry);
  }
  return entry;
}
