/**
 * The safetensors format (Hugging Face), so caviar's saved weights open in
 * Python (`safetensors.numpy.load_file`) and vice versa:
 *
 *   [8 bytes]  N, little-endian uint64: length of the header
 *   [N bytes]  UTF-8 JSON header, padded with spaces so that N % 8 == 0:
 *              { "__metadata__": { "key": "value", ... },
 *                "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ... }
 *   [rest]     the tensors' bytes, little-endian, row-major; offsets count
 *              from the start of this data section.
 *
 * The reader is strict, as the reference implementation is: the tensors must
 * tile the data section exactly (no gaps, no overlaps, nothing after the
 * last), because a file that does not is corrupt or hand-edited wrongly.
 */

export type SafetensorsDtype = 'F32' | 'F64' | 'I32';

export type SafetensorsData = Float32Array | Float64Array | Int32Array;

export interface SafeTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: SafetensorsData;
}

export interface DecodedSafetensors {
  /** Tensors by name, each with its own aligned copy of the data. */
  readonly tensors: Record<string, SafeTensor>;
  readonly metadata: Record<string, string>;
}

/** A file that is not valid safetensors; the message names the source and the problem. */
export class SafetensorsError extends Error {
  constructor(
    readonly source: string,
    problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = 'SafetensorsError';
  }
}

const DTYPES: Record<SafetensorsDtype, { bytes: number; array: new (n: number) => SafetensorsData }> = {
  F32: { bytes: 4, array: Float32Array },
  F64: { bytes: 8, array: Float64Array },
  I32: { bytes: 4, array: Int32Array },
};

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encodes tensors (in sorted name order) and optional string metadata.
 *
 * @example
 *   const bytes = encodeSafetensors({ 'dense1.W': { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) } }, { format: 'caviar' });
 *   writeFileSync('model.safetensors', bytes);
 */
export function encodeSafetensors(tensors: Record<string, SafeTensor>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort(byCodeUnit);
  const entries: string[] = [];
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new TypeError(`encodeSafetensors: metadata ${JSON.stringify(key)} must be a string, got ${typeof value}`);
    }
    entries.push(`"__metadata__":${jsonObject(Object.keys(metadata).sort(byCodeUnit).map((k) => [k, JSON.stringify(metadata[k])]))}`);
  }
  let offset = 0;
  for (const name of names) {
    const { dtype, shape, data } = tensors[name];
    if (name === '__metadata__' || name === '') throw new TypeError(`encodeSafetensors: ${JSON.stringify(name)} cannot be a tensor name`);
    const info = Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : undefined;
    if (!info) throw new TypeError(`encodeSafetensors: tensor ${JSON.stringify(name)} has unknown dtype ${String(dtype)}; expected F32, F64 or I32`);
    if (!(data instanceof info.array)) {
      throw new TypeError(`encodeSafetensors: tensor ${JSON.stringify(name)} is ${dtype} but its data is a ${data?.constructor?.name}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new TypeError(`encodeSafetensors: tensor ${JSON.stringify(name)} has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
    }
    const elements = shape.reduce((a, b) => a * b, 1);
    if (data.length !== elements) {
      throw new TypeError(`encodeSafetensors: tensor ${JSON.stringify(name)} has shape [${shape.join(', ')}] (${elements} values) but ${data.length} values`);
    }
    const end = offset + elements * info.bytes;
    entries.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  // Built by hand rather than JSON.stringify: JS objects move integer-like keys
  // ("0", "12") to the front, which would break the sorted order.
  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength); // space padding
  let at = 8 + headerLength;
  for (const name of names) {
    const { dtype, data } = tensors[name];
    if (HOST_IS_LITTLE_ENDIAN) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    } else {
      for (let i = 0; i < data.length; i++) writeLE(view, at + i * DTYPES[dtype].bytes, dtype, data[i]);
    }
    at += data.byteLength;
  }
  return out;
}

/**
 * Decodes safetensors bytes. `source` (a file name) starts every error message.
 *
 * @example
 *   const { tensors, metadata } = decodeSafetensors(readFileSync('model.safetensors'), 'model.safetensors');
 *   tensors['dense1.W'].shape; // [2, 2]
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): DecodedSafetensors {
  const fail = (problem: string): never => {
    throw new SafetensorsError(source, problem);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length that starts a safetensors file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    fail(`header length says ${headerLength} bytes but only ${bytes.length - 8} bytes follow the first 8`);
  }
  const headerEnd = 8 + Number(headerLength);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd));
  } catch {
    fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail(`header must be a JSON object, got ${Array.isArray(header) ? 'an array' : header === null ? 'null' : typeof header}`);
  }
  const dataLength = bytes.length - headerEnd;
  const metadata: Record<string, string> = {};
  const layout: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null) continue;
      if (typeof entry !== 'object' || Array.isArray(entry)) fail('__metadata__ must be an object of strings');
      for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof value !== 'string') fail(`__metadata__.${key} is ${JSON.stringify(value)}; metadata values must be strings`);
        define(metadata, key, value);
      }
      continue;
    }
    const where = `tensor ${JSON.stringify(name)}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(`${where}: expected an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype)) {
      fail(`${where}: unknown dtype ${JSON.stringify(dtype)}; caviar reads F32, F64 and I32`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${where}: shape ${JSON.stringify(shape)} must be an array of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      fail(`${where}: data_offsets ${JSON.stringify(offsets)} must be [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as number[];
    if (end > dataLength) fail(`${where}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataLength} bytes)`);
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    const expected = elements * DTYPES[dtype as SafetensorsDtype].bytes;
    if (end - begin !== expected) {
      fail(`${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${expected}`);
    }
    layout.push({ name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end });
  }

  // The tensors, in file order, must tile the data section: each starts where the previous ended.
  layout.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  let previous = '';
  for (const t of layout) {
    if (t.begin < expectedBegin) fail(`tensor ${JSON.stringify(t.name)} overlaps ${JSON.stringify(previous)} (starts at ${t.begin}, before ${expectedBegin})`);
    if (t.begin > expectedBegin) fail(`gap in the data section: bytes ${expectedBegin}..${t.begin} belong to no tensor (before ${JSON.stringify(t.name)})`);
    expectedBegin = t.end;
    previous = t.name;
  }
  if (expectedBegin !== dataLength) fail(`data section has ${dataLength} bytes but the tensors cover only ${expectedBegin}`);

  const tensors: Record<string, SafeTensor> = {};
  const dataView = new DataView(bytes.buffer, bytes.byteOffset + headerEnd, dataLength);
  for (const t of layout.sort((a, b) => byCodeUnit(a.name, b.name))) {
    const info = DTYPES[t.dtype];
    const count = (t.end - t.begin) / info.bytes;
    let data: SafetensorsData;
    if (HOST_IS_LITTLE_ENDIAN) {
      // Copy into a fresh ArrayBuffer, so the typed array is aligned whatever the offset in the file.
      // (Not bytes.slice(): on a Node Buffer that returns a view of the same memory.)
      const copy = new Uint8Array(t.end - t.begin);
      copy.set(bytes.subarray(headerEnd + t.begin, headerEnd + t.end));
      data = new (info.array as unknown as new (b: ArrayBuffer) => SafetensorsData)(copy.buffer);
    } else {
      data = new info.array(count);
      for (let i = 0; i < count; i++) data[i] = readLE(dataView, t.begin + i * info.bytes, t.dtype);
    }
    define(tensors, t.name, { dtype: t.dtype, shape: t.shape, data });
  }
  return { tensors, metadata };
}

/** Defines an own property, so a tensor named "__proto__" is data, not a prototype change. */
function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function jsonObject(entries: [string, string][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function writeLE(view: DataView, at: number, dtype: SafetensorsDtype, v: number): void {
  if (dtype === 'F32') view.setFloat32(at, v, true);
  else if (dtype === 'F64') view.setFloat64(at, v, true);
  else view.setInt32(at, v, true);
}

function readLE(view: DataView, at: number, dtype: SafetensorsDtype): number {
  if (dtype === 'F32') return view.getFloat32(at, true);
  if (dtype === 'F64') return view.getFloat64(at, true);
  return view.getInt32(at, true);
}
