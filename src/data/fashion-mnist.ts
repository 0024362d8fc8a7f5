/**
 * Fashion-MNIST (Zalando): 70000 grayscale 28x28 images of clothing in 10
 * classes, 60000 for training and 10000 for testing, in IDX files. caviar
 * looks in, in order:
 *
 *   1. the `dir` option (the folder holding the files; if given, it must have them),
 *   2. `$CAVIAR_DATA_DIR/fashion-mnist/`,
 *   3. `/usr/share/datasets/fashion-mnist/`, where Debian's
 *      `dataset-fashion-mnist` package installs
 *      `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
 *      `t10k-images-idx3-ubyte.gz` and `t10k-labels-idx1-ubyte.gz`.
 *
 *   4. the download cache, `$CAVIAR_CACHE_DIR/fashion-mnist/` or
 *      `~/.cache/caviar/fashion-mnist/`, filled by `ensureFashionMnist` from
 *      `$CAVIAR_FASHION_MNIST_URL` (default: Zalando's public mirror) when
 *      the data set is in none of the folders above.
 *
 * Uncompressed copies (`train-images-idx3-ubyte`) and the dotted spelling
 * some mirrors use (`train-images.idx3-ubyte`) are found too.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from './dataset.js';
import { downloadToCache, DownloadError } from './download.js';
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

/** The mirror Zalando's README links to; `CAVIAR_FASHION_MNIST_URL` replaces it (an empty value turns downloads off). */
export const FASHION_MNIST_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/**
 * SHA-256 of each file's DECOMPRESSED bytes (`zcat FILE | sha256sum`), taken
 * from Debian's dataset-fashion-mnist package.
 */
export const FASHION_MNIST_SHA256: Readonly<Record<string, string>> = Object.freeze({
  'train-images-idx3-ubyte.gz': 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
  'train-labels-idx1-ubyte.gz': 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
  't10k-images-idx3-ubyte.gz': '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
  't10k-labels-idx1-ubyte.gz': '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
});

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
  constructor(readonly searched: readonly string[], split: FashionMnistSplit, downloadProblem?: string) {
    super(
      `Fashion-MNIST (${split} split) not found; looked in ${searched.join(', ')}` +
        (downloadProblem ? `, and the download failed: ${downloadProblem}` : '') + '. ' +
        `Install it with \`apt-get install dataset-fashion-mnist\` (it goes to ${FASHION_MNIST_SYSTEM_DIR}/), ` +
        `or set CAVIAR_DATA_DIR to a folder containing fashion-mnist/ with ${fileNames(split, 'images')[0]} and ${fileNames(split, 'labels')[0]}` +
        (downloadProblem !== undefined || searched.length > 1 ? `, or set CAVIAR_FASHION_MNIST_URL to a mirror holding the four .gz files (default ${FASHION_MNIST_URL}).` : '.'),
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
  if (!files) throw new FashionMnistNotFoundError(lookIn(options.dir), options.split);
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
  for (const folder of lookIn(dir)) {
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
  for (const folder of lookIn(options.dir)) {
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

/** The download cache: `$CAVIAR_CACHE_DIR/fashion-mnist/`, or `~/.cache/caviar/fashion-mnist/`. */
export function fashionMnistCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.CAVIAR_CACHE_DIR || join(homedir(), '.cache', 'caviar'), 'fashion-mnist');
}

export interface EnsureFashionMnistOptions {
  /** An explicit folder: it must hold the files; nothing is downloaded. */
  dir?: string;
  /** Base URL of the four .gz files (default `$CAVIAR_FASHION_MNIST_URL`, else FASHION_MNIST_URL; '' = no download). */
  url?: string;
  /** Default fashionMnistCacheDir(). */
  cacheDir?: string;
  /** Checksums of the decompressed files by name (default FASHION_MNIST_SHA256); tests pass their own. */
  checksums?: Readonly<Record<string, string>>;
  /** Folders that count as "already installed" (default: the search path). Tests pass their own. */
  searchPath?: readonly string[];
  /** Told about each file before it is fetched (a person waits for 30 MB). */
  onDownload?: (name: string, url: string) => void;
}

/**
 * Makes Fashion-MNIST loadable: returns the folder that holds both splits,
 * downloading the four files into the cache first when no folder has them.
 * Call it (and await it) before the synchronous `loadFashionMnist`.
 *
 * @example
 *   await ensureFashionMnist();              // a no-op when the Debian package is installed
 *   const train = loadFashionMnist({ split: 'train' });
 */
export async function ensureFashionMnist(options: EnsureFashionMnistOptions = {}): Promise<string> {
  const env = process.env;
  const installed = options.searchPath ?? fashionMnistSearchPath(options.dir, env);
  const cacheDir = options.cacheDir ?? fashionMnistCacheDir(env);
  const folders = options.dir !== undefined ? installed : [...installed, cacheDir];
  for (const folder of folders) {
    if (filesIn(folder, 'train') && filesIn(folder, 'test')) return folder;
  }
  if (options.dir !== undefined) throw new FashionMnistNotFoundError(folders, 'train');
  const url = options.url ?? env.CAVIAR_FASHION_MNIST_URL ?? FASHION_MNIST_URL;
  if (url === '') throw new FashionMnistNotFoundError(folders, 'train', 'downloads are off (CAVIAR_FASHION_MNIST_URL is empty)');
  const checksums = options.checksums ?? FASHION_MNIST_SHA256;
  try {
    return await downloadToCache({
      baseUrl: url,
      cacheDir,
      files: Object.entries(checksums).map(([name, sha256]) => ({ name, sha256 })),
      ...(options.onDownload ? { onFile: (f: { name: string }, u: string) => options.onDownload!(f.name, u) } : {}),
    });
  } catch (err) {
    if (err instanceof DownloadError) throw new FashionMnistNotFoundError(folders, 'train', err.message);
    if ((err as NodeJS.ErrnoException).code) {
      throw new FashionMnistNotFoundError(folders, 'train', `cannot write the cache ${cacheDir} (${(err as Error).message}); set CAVIAR_CACHE_DIR`);
    }
    throw err;
  }
}

/** Where loading looks: the search path, then the download cache (unless a folder was named). */
function lookIn(dir: string | undefined): string[] {
  const path = fashionMnistSearchPath(dir);
  return dir === undefined ? [...path, fashionMnistCacheDir()] : path;
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
