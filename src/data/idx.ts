/**
 * IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
 *
 *   bytes 0-1  0x00 0x00
 *   byte  2    element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
 *              0x0D float32, 0x0E float64
 *   byte  3    number of dimensions d
 *   then d big-endian uint32 sizes, then the elements, big-endian, row-major.
 *
 * Files are often gzipped; we detect that by the gzip magic bytes 0x1f 0x8b,
 * never by the file name, because renamed and re-compressed copies are common.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';
import { validateDataset } from './validate.js';

/** Element types of the IDX format. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: its element type, its shape (e.g. [60000, 28, 28]) and its elements, row-major. */
export interface IdxArray {
  readonly type: IdxType;
  readonly shape: readonly number[];
  readonly data: IdxData;
}

interface TypeInfo {
  readonly code: number;
  readonly type: IdxType;
  readonly bytes: number;
  /** Integer range the type can hold; floats have none. */
  readonly min?: number;
  readonly max?: number;
}

const TYPES: readonly TypeInfo[] = [
  { code: 0x08, type: 'uint8', bytes: 1, min: 0, max: 255 },
  { code: 0x09, type: 'int8', bytes: 1, min: -128, max: 127 },
  { code: 0x0b, type: 'int16', bytes: 2, min: -32768, max: 32767 },
  { code: 0x0c, type: 'int32', bytes: 4, min: -2147483648, max: 2147483647 },
  { code: 0x0d, type: 'float32', bytes: 4 },
  { code: 0x0e, type: 'float64', bytes: 8 },
];

const typeByCode = new Map(TYPES.map((t) => [t.code, t]));
const typeByName = new Map(TYPES.map((t) => [t.type, t]));

/** True when `bytes` start with the gzip magic number 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decodes IDX bytes (gzipped or raw). `source` names the bytes in error messages.
 *
 * @example
 *   const a = parseIdx(encodeIdx({ type: 'uint8', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }), 'mem');
 *   a.shape; // [2, 3]
 *   a.data;  // Uint8Array [1, 2, 3, 4, 5, 6]
 */
export function parseIdx(input: Uint8Array, source: string): IdxArray {
  const bytes = isGzip(input) ? gunzip(input, source) : input;
  if (bytes.length < 4) {
    throw new DataError(source, `truncated: an IDX file starts with a 4-byte magic number, but the file has ${bytes.length} bytes`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(
      source,
      `not an IDX file: magic number ${hex(bytes.subarray(0, 4))} should start with 0x00 0x00 (followed by the type and the number of dimensions)`,
    );
  }
  const info = typeByCode.get(bytes[2]);
  if (!info) {
    const known = TYPES.map((t) => `0x${t.code.toString(16).padStart(2, '0')} ${t.type}`).join(', ');
    throw new DataError(source, `unsupported IDX element type 0x${bytes[2].toString(16).padStart(2, '0')} (known: ${known})`);
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new DataError(source, 'IDX header has 0 dimensions; expected at least 1');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataError(
      source,
      `truncated: header says ${ndims} dimensions (${headerBytes} header bytes) but the file has only ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndims; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const dataBytes = count * info.bytes;
  const present = bytes.length - headerBytes;
  if (present !== dataBytes) {
    const what = `header says ${describeShape(shape)} ${info.type} (${dataBytes} bytes of data)`;
    if (present < dataBytes) throw new DataError(source, `truncated: ${what} but only ${present} bytes follow`);
    throw new DataError(source, `trailing garbage: ${what} but ${present} bytes follow (${present - dataBytes} extra)`);
  }
  return { type: info.type, shape, data: readElements(bytes, headerBytes, count, info) };
}

/**
 * Reads an IDX file from a path, or decodes bytes already in memory.
 *
 * @example
 *   const labels = readIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');
 *   labels.shape; // [10000]
 */
export function readIdx(pathOrBytes: string | Uint8Array, source?: string): IdxArray {
  if (typeof pathOrBytes === 'string') return parseIdx(readFileSync(pathOrBytes), source ?? pathOrBytes);
  return parseIdx(pathOrBytes, source ?? '<bytes>');
}

/**
 * Encodes an array as IDX bytes (raw, or gzipped with `{ gzip: true }`).
 * Values must fit the type: encoding 300 as uint8 is an error, not a wrap-around.
 *
 * @example
 *   const bytes = encodeIdx({ type: 'uint8', shape: [2], data: [7, 9] });
 *   // bytes: 00 00 08 01 | 00 00 00 02 | 07 09
 */
export function encodeIdx(
  array: { type: IdxType; shape: readonly number[]; data: ArrayLike<number> },
  options: { gzip?: boolean } = {},
): Uint8Array {
  const info = typeByName.get(array.type);
  if (!info) throw new Error(`encodeIdx: unknown type ${String(array.type)}; expected one of ${TYPES.map((t) => t.type).join(', ')}`);
  const { shape, data } = array;
  if (shape.length < 1 || shape.length > 255) throw new Error(`encodeIdx: shape must have 1..255 dimensions, got ${shape.length}`);
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw new Error(`encodeIdx: shape [${shape.join(', ')}] must hold integers in 0..2^32-1`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`encodeIdx: shape [${shape.join(', ')}] needs ${count} values, got ${data.length}`);
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + count * info.bytes);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = shape.length;
  shape.forEach((s, d) => view.setUint32(4 + 4 * d, s, false));
  for (let i = 0; i < count; i++) {
    const v = data[i];
    const at = headerBytes + i * info.bytes;
    if (info.min !== undefined && (!Number.isInteger(v) || v < info.min || v > (info.max as number))) {
      throw new Error(`encodeIdx: value ${v} at index ${i} does not fit ${info.type} (${info.min}..${info.max})`);
    }
    switch (info.type) {
      case 'uint8': view.setUint8(at, v); break;
      case 'int8': view.setInt8(at, v); break;
      case 'int16': view.setInt16(at, v, false); break;
      case 'int32': view.setInt32(at, v, false); break;
      case 'float32': view.setFloat32(at, v, false); break;
      case 'float64': view.setFloat64(at, v, false); break;
    }
  }
  return options.gzip ? new Uint8Array(gzipSync(out)) : out;
}

export interface IdxDatasetOptions {
  /** Number of classes; default max label + 1. Labels must be below it. */
  classes?: number;
  classNames?: readonly string[];
  /** Names for error messages when images/labels are given as bytes. */
  imagesSource?: string;
  labelsSource?: string;
}

/**
 * Builds a Dataset from an images file (first dimension = examples, the rest
 * flattened into features) and a 1-D labels file. Pixel values stay raw
 * (0..255 for MNIST) as float32: scaling is the Normalizer's job, fitted on
 * the training split only.
 *
 * @example
 *   const dir = '/usr/share/datasets/fashion-mnist/';
 *   const test = loadIdxDataset(dir + 't10k-images-idx3-ubyte.gz', dir + 't10k-labels-idx1-ubyte.gz', { classes: 10 });
 *   test.count;    // 10000
 *   test.features; // 784
 */
export function loadIdxDataset(
  images: string | Uint8Array,
  labels: string | Uint8Array,
  options: IdxDatasetOptions = {},
): Dataset {
  const imagesSource = options.imagesSource ?? (typeof images === 'string' ? images : '<images>');
  const labelsSource = options.labelsSource ?? (typeof labels === 'string' ? labels : '<labels>');
  const img = readIdx(images, imagesSource);
  const lab = readIdx(labels, labelsSource);
  if (lab.shape.length !== 1) {
    throw new DataError(labelsSource, `labels must be 1-dimensional, got shape [${lab.shape.join(', ')}]`);
  }
  const count = img.shape[0];
  if (lab.shape[0] !== count) {
    throw new DataError(imagesSource, `has ${count} images but ${labelsSource} has ${lab.shape[0]} labels; they must match`);
  }
  if (count === 0) throw new DataError(imagesSource, 'has 0 images');
  const features = img.shape.slice(1).reduce((a, b) => a * b, 1);

  const y = new Int32Array(count);
  let maxLabel = 0;
  for (let i = 0; i < count; i++) {
    const v = lab.data[i];
    if (!Number.isInteger(v) || v < 0) {
      throw new DataError(labelsSource, `label ${i} is ${v}; labels must be non-negative integers`);
    }
    y[i] = v;
    if (v > maxLabel) maxLabel = v;
  }
  const classes = options.classes ?? maxLabel + 1;
  if (maxLabel >= classes) {
    const i = y.findIndex((v) => v >= classes);
    throw new DataError(labelsSource, `label ${i} is ${y[i]} but classes is ${classes} (labels must be 0..${classes - 1})`);
  }
  const ds: Dataset = {
    x: new Float32Array(img.data),
    y,
    count,
    features,
    classes,
    ...(options.classNames ? { classNames: options.classNames } : {}),
  };
  validateDataset(ds, imagesSource);
  return ds;
}

function gunzip(bytes: Uint8Array, source: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new DataError(source, `gzip data is truncated or corrupt (${(e as Error).message})`);
  }
}

function readElements(bytes: Uint8Array, offset: number, count: number, info: TypeInfo): IdxData {
  // Single bytes have no byte order: copy them as they are. (Not bytes.slice():
  // on a Node Buffer that is a view sharing memory, not a copy.)
  if (info.type === 'uint8') return new Uint8Array(bytes.subarray(offset, offset + count));
  if (info.type === 'int8') return new Int8Array(bytes.buffer, bytes.byteOffset + offset, count).slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * info.bytes);
  switch (info.type) {
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, false);
      return out;
    }
    default: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, false);
      return out;
    }
  }
}

/** "60000 items of 28x28" for images, "60000 items" for labels. */
function describeShape(shape: readonly number[]): string {
  if (shape.length === 1) return `${shape[0]} items of`;
  return `${shape[0]} items of ${shape.slice(1).join('x')}`;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
}
