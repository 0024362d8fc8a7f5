/**
 * Fashion-MNIST (Zalando): 70000 grayscale 28x28 images of clothing in 10
 * classes, 60000 for training and 10000 for testing, in IDX files. caviar
 * never downloads it; it looks in, in order:
 *
 *   1. the `dir` option (the folder holding the files; if given, it must have them),
 *   2. `$CAVIAR_DATA_DIR/fashion-mnist/`,
 *   3. `/usr/share/datasets/fashion-mnist/`, where Debian's
 *      `dataset-fashion-mnist` package installs
 *      `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
 *      `t10k-images-idx3-ubyte.gz` and `t10k-labels-idx1-ubyte.gz`.
 *
 * Uncompressed copies (`train-images-idx3-ubyte`) and the dotted spelling
 * some mirrors use (`train-images.idx3-ubyte`) are found too.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from './dataset.js';
import { loadIdxDataset } from './idx.js';

/** The 10 class names, index = label. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** Where Debian's `dataset-fashion-mnist` package puts the files. */
export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

export type FashionMnistSplit = 'train' | 'test';

export interface FashionMnistOptions {
  split: FashionMnistSplit;
  /** Folder holding the four files; when given, no other place is searched. */
  dir?: string;
}

export interface FashionMnistFiles {
  readonly images: string;
  readonly labels: string;
}

/** Thrown when the data set is in none of the places searched. */
export class FashionMnistNotFoundError extends Error {
  constructor(readonly searched: readonly string[], split: FashionMnistSplit) {
    super(
      `Fashion-MNIST (${split} split) not found; looked in ${searched.join(', ')}. ` +
        `Install it with \`apt-get install dataset-fashion-mnist\` (it goes to ${FASHION_MNIST_SYSTEM_DIR}/), ` +
        `or set CAVIAR_DATA_DIR to a folder containing fashion-mnist/ with ${fileNames(split, 'images')[0]} and ${fileNames(split, 'labels')[0]}.`,
    );
    this.name = 'FashionMnistNotFoundError';
  }
}

/**
 * Loads one split as a Dataset: 784 raw pixel features (0..255), labels 0..9,
 * class names set. Normalize with a Normalizer fitted on the training split.
 *
 * @example
 *   const train = loadFashionMnist({ split: 'train' });
 *   train.count;         // 60000
 *   train.classNames[9]; // 'Ankle boot'
 */
export function loadFashionMnist(options: FashionMnistOptions): Dataset {
  const files = findFashionMnistFiles(options);
  if (!files) throw new FashionMnistNotFoundError(fashionMnistSearchPath(options.dir), options.split);
  return loadIdxDataset(files.images, files.labels, { classes: 10, classNames: FASHION_MNIST_CLASS_NAMES });
}

/**
 * The folder that holds both splits of Fashion-MNIST, or null. Tests use it to
 * skip with a notice when the data set is not installed.
 *
 * @example
 *   const dir = fashionMnistAvailable(); // '/usr/share/datasets/fashion-mnist' or null
 */
export function fashionMnistAvailable(dir?: string): string | null {
  for (const folder of fashionMnistSearchPath(dir)) {
    if (filesIn(folder, 'train') && filesIn(folder, 'test')) return folder;
  }
  return null;
}

/**
 * The image and label files of one split, from the first folder of the search
 * path that has both, or null.
 *
 * @example
 *   findFashionMnistFiles({ split: 'test' });
 *   // { images: '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz', labels: '...' }
 */
export function findFashionMnistFiles(options: FashionMnistOptions): FashionMnistFiles | null {
  for (const folder of fashionMnistSearchPath(options.dir)) {
    const files = filesIn(folder, options.split);
    if (files) return files;
  }
  return null;
}

/**
 * The folders searched, in order. An explicit `dir` is the only one: a typo
 * in it should be an error, not a silent fall back to other data.
 *
 * @example
 *   fashionMnistSearchPath(undefined, { CAVIAR_DATA_DIR: '/data' });
 *   // ['/data/fashion-mnist', '/usr/share/datasets/fashion-mnist']
 */
export function fashionMnistSearchPath(dir?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (dir !== undefined) return [dir];
  const path: string[] = [];
  if (env.CAVIAR_DATA_DIR) path.push(join(env.CAVIAR_DATA_DIR, 'fashion-mnist'));
  path.push(FASHION_MNIST_SYSTEM_DIR);
  return path;
}

function filesIn(folder: string, split: FashionMnistSplit): FashionMnistFiles | null {
  const images = firstExisting(folder, fileNames(split, 'images'));
  const labels = firstExisting(folder, fileNames(split, 'labels'));
  return images && labels ? { images, labels } : null;
}

function firstExisting(folder: string, names: readonly string[]): string | null {
  for (const name of names) {
    const path = join(folder, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/** Candidate file names, most common first: train-images-idx3-ubyte.gz, its raw copy, the dotted spellings. */
function fileNames(split: FashionMnistSplit, kind: 'images' | 'labels'): string[] {
  const prefix = split === 'train' ? 'train' : 't10k';
  const idx = kind === 'images' ? 'idx3' : 'idx1';
  const base = [`${prefix}-${kind}-${idx}-ubyte`, `${prefix}-${kind}.${idx}-ubyte`];
  return base.flatMap((b) => [`${b}.gz`, b]);
}
