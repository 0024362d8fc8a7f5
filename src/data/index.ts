/** caviar's data: where examples come from and how they are prepared for training. */
export type { Dataset } from './dataset.js';
export { DataError } from './errors.js';
export { validateDataset } from './validate.js';
export { encodeIdx, isGzip, loadIdxDataset, parseIdx, readIdx } from './idx.js';
export type { IdxArray, IdxData, IdxDatasetOptions, IdxType } from './idx.js';
export {
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_SYSTEM_DIR,
  FashionMnistNotFoundError,
  fashionMnistAvailable,
  fashionMnistSearchPath,
  findFashionMnistFiles,
  loadFashionMnist,
} from './fashion-mnist.js';
export type { FashionMnistFiles, FashionMnistOptions, FashionMnistSplit } from './fashion-mnist.js';
export { parseCsv, readCsv } from './csv.js';
export type { CsvOptions } from './csv.js';
export { oneHot } from './one-hot.js';
export { concat, splitDataset, subset } from './split.js';
export type { SplitOptions, Splits } from './split.js';
export { Normalizer } from './normalize.js';
export type { NormalizerJSON } from './normalize.js';
export { blobs, circles, spirals, xor } from './synthetic.js';
export type { BlobsOptions, CirclesOptions, SpiralsOptions, XorOptions } from './synthetic.js';
