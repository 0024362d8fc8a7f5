import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';

const HEADER =
  '{"__metadata__":{"k":"v"},' +
  '"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},' +
  '"b":{"dtype":"I32","shape":[2],"data_offsets":[4,12]}}';

test('the layout is byte-exact against a hand-computed file', () => {
  const bytes = encodeSafetensors(
    { b: { dtype: 'I32', shape: [2], data: new Int32Array([1, -1]) }, a: { dtype: 'F32', shape: [], data: new Float32Array([1.5]) } },
    { k: 'v' },
  );
  // The header is 132 bytes of JSON, padded with 4 spaces to 136 (a multiple of 8).
  assert.equal(HEADER.length, 132);
  const expected = [
    136, 0, 0, 0, 0, 0, 0, 0, // N = 136, little-endian uint64
    ...Buffer.from(HEADER + '    ', 'utf8'),
    0x00, 0x00, 0xc0, 0x3f, // a = 1.5f
    0x01, 0x00, 0x00, 0x00, // b[0] = 1
    0xff, 0xff, 0xff, 0xff, // b[1] = -1
  ];
  assert.deepEqual(Array.from(bytes), expected);
  const back = decodeSafetensors(bytes, 'hand.safetensors');
  assert.deepEqual(back.metadata, { k: 'v' });
  assert.deepEqual(back.tensors.a, { dtype: 'F32', shape: [], data: new Float32Array([1.5]) });
  assert.deepEqual(back.tensors.b, { dtype: 'I32', shape: [2], data: new Int32Array([1, -1]) });
});

test('round trip of every dtype, names sorted, data copied and aligned', () => {
  const tensors = {
    'layer2.W': { dtype: 'F64' as const, shape: [2, 3], data: Float64Array.from([0.1, -2, 3e300, 4, 5, Math.PI]) },
    '10': { dtype: 'F32' as const, shape: [3], data: Float32Array.from([1, 2, 3]) },
    '2': { dtype: 'I32' as const, shape: [1, 1], data: Int32Array.from([-7]) },
    'empty': { dtype: 'F32' as const, shape: [0, 4], data: new Float32Array(0) },
    'odd': { dtype: 'F32' as const, shape: [1], data: Float32Array.from([9]) },
  };
  const bytes = encodeSafetensors(tensors);
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))).toString());
  assert.equal(header.__metadata__, undefined);
  // Sorted by code unit even where JS objects would put integer-like keys first.
  const text = Buffer.from(bytes).toString('latin1');
  const order = ['"10"', '"2"', '"empty"', '"layer2.W"', '"odd"'].map((k) => text.indexOf(k));
  assert.deepEqual([...order].sort((p, q) => p - q), order);
  assert.deepEqual(header['10'].data_offsets, [0, 12]);
  assert.deepEqual(header['2'].data_offsets, [12, 16]);
  assert.deepEqual(header.empty.data_offsets, [16, 16]);
  assert.deepEqual(header['layer2.W'].data_offsets, [16, 64]);

  // Decode from a Buffer at an odd offset: F64 data sits at file offset 8+N+16, not 8-aligned in memory.
  const shifted = Buffer.alloc(bytes.length + 1);
  shifted.set(bytes, 1);
  const input = shifted.subarray(1);
  const { tensors: back, metadata } = decodeSafetensors(input, 'm.safetensors');
  assert.deepEqual(metadata, {});
  // (Object.keys lists integer-like names first whatever the file order: a JS rule, not ours.)
  assert.deepEqual(Object.keys(back).sort(), ['10', '2', 'empty', 'layer2.W', 'odd']);
  for (const [name, t] of Object.entries(tensors)) assert.deepEqual(back[name], t, name);
  input.fill(0);
  assert.equal(back['layer2.W'].data[5], Math.PI, 'decoded tensors are copies');
});

test('a tensor named __proto__ is stored as data', () => {
  const bytes = encodeSafetensors(JSON.parse('{"__proto__":{"dtype":"I32","shape":[1],"data":null}}', (k, v) => (k === 'data' ? new Int32Array([5]) : v)));
  const { tensors } = decodeSafetensors(bytes, 'p');
  assert.ok(Object.hasOwn(tensors, '__proto__'));
  assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
});

/** A file from a header object (or raw header text) and a data section of `dataBytes` bytes. */
function file(header: unknown, dataBytes: number): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

test('each kind of corruption is named', () => {
  const bad = (bytes: Uint8Array, message: string) =>
    assert.throws(() => decodeSafetensors(bytes, 'w.st'), (e: unknown) => e instanceof SafetensorsError && e.message === `w.st: ${message}`);
  const t = (dtype: unknown, shape: unknown, data_offsets: unknown) => ({ dtype, shape, data_offsets });

  bad(new Uint8Array(5), 'file is 5 bytes, shorter than the 8-byte header length that starts a safetensors file');
  const long = file({}, 0);
  new DataView(long.buffer).setBigUint64(0, 1n << 40n, true);
  bad(long, 'header length says 1099511627776 bytes but only 2 bytes follow the first 8');
  bad(file('{"a": ', 0), 'header is not JSON (Unexpected end of JSON input)');
  const notUtf8 = file('{"x":1}', 0);
  notUtf8[9] = 0xff; // no UTF-8 sequence starts with 0xff
  bad(notUtf8, 'header is not valid UTF-8');
  bad(file('[1, 2]', 0), 'header must be a JSON object, got an array');
  bad(file('null', 0), 'header must be a JSON object, got null');
  bad(file({ w: t('BF16', [1], [0, 2]) }, 2), 'tensor "w": unknown dtype "BF16"; caviar reads F32, F64 and I32');
  bad(file({ w: t('F32', [2, -1], [0, 4]) }, 4), 'tensor "w": shape [2,-1] must be an array of non-negative integers');
  bad(file({ w: t('F32', '2', [0, 8]) }, 8), 'tensor "w": shape "2" must be an array of non-negative integers');
  bad(file({ w: t('F32', [1.5], [0, 4]) }, 4), 'tensor "w": shape [1.5] must be an array of non-negative integers');
  bad(file({ w: t('F32', [1], [4, 0]) }, 4), 'tensor "w": data_offsets [4,0] must be [begin, end] with 0 <= begin <= end');
  bad(file({ w: t('F32', [2], [0, 8]) }, 4), 'tensor "w": data_offsets [0, 8] run past the end of the data section (4 bytes)');
  bad(file({ w: t('F32', [3], [0, 8]) }, 8), 'tensor "w": data_offsets [0, 8] span 8 bytes but shape [3] of F32 needs 12');
  bad(file({ u: t('F32', [2], [0, 8]), v: t('F32', [1], [4, 8]) }, 8), 'tensor "v" overlaps "u" (starts at 4, before 8)');
  bad(file({ u: t('F32', [1], [0, 4]), v: t('F32', [1], [8, 12]) }, 12), 'gap in the data section: bytes 4..8 belong to no tensor (before "v")');
  bad(file({ u: t('F32', [1], [4, 8]) }, 8), 'gap in the data section: bytes 0..4 belong to no tensor (before "u")');
  bad(file({ u: t('F32', [1], [0, 4]) }, 6), 'data section has 6 bytes but the tensors cover only 4');
  bad(file({ __metadata__: { n: 3 } }, 0), '__metadata__.n is 3; metadata values must be strings');
  bad(file({ __metadata__: ['x'] }, 0), '__metadata__ must be an object of strings');
  bad(file({ w: 5 }, 0), 'tensor "w": expected an object with dtype, shape and data_offsets');
});

test('encode refuses tensors it could not write faithfully', () => {
  assert.throws(() => encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }), /shape \[3\] \(3 values\) but 2 values/);
  assert.throws(() => encodeSafetensors({ w: { dtype: 'F64', shape: [2], data: new Float32Array(2) } }), /is F64 but its data is a Float32Array/);
  assert.throws(() => encodeSafetensors({ w: { dtype: 'F16' as 'F32', shape: [1], data: new Float32Array(1) } }), /unknown dtype F16/);
  assert.throws(() => encodeSafetensors({}, { n: 3 as unknown as string }), /metadata "n" must be a string/);
  assert.throws(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [0], data: new Float32Array(0) } }), /cannot be a tensor name/);
});
