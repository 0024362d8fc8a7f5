import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, isGzip, loadIdxDataset, parseIdx, readIdx } from '../../src/data/idx.js';
import { DataError } from '../../src/data/errors.js';

// A 2x2x3 uint8 file written out by hand, byte by byte, from the format description.
const HAND_MADE = new Uint8Array([
  0x00, 0x00, 0x08, 0x03, // magic: uint8, 3 dimensions
  0x00, 0x00, 0x00, 0x02, // 2 images
  0x00, 0x00, 0x00, 0x02, // of 2 rows
  0x00, 0x00, 0x00, 0x03, // of 3 columns
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255,
]);

test('a hand-made 2x2x3 uint8 file parses to its shape and values', () => {
  const a = parseIdx(HAND_MADE, 'hand');
  assert.equal(a.type, 'uint8');
  assert.deepEqual(a.shape, [2, 2, 3]);
  assert.ok(a.data instanceof Uint8Array);
  assert.deepEqual(Array.from(a.data), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
});

test('encodeIdx writes exactly the hand-made bytes, and round trips', () => {
  const data = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255];
  const bytes = encodeIdx({ type: 'uint8', shape: [2, 2, 3], data });
  assert.deepEqual(Array.from(bytes), Array.from(HAND_MADE));
  assert.deepEqual(Array.from(parseIdx(bytes, 'x').data), data);
});

test('gzip is detected by its magic bytes, whatever the name', () => {
  const gz = gzipSync(HAND_MADE);
  assert.ok(isGzip(gz));
  assert.ok(!isGzip(HAND_MADE));
  const a = parseIdx(gz, 'no-extension');
  assert.deepEqual(a.shape, [2, 2, 3]);
  assert.equal(a.data[11], 255);
  const viaEncoder = parseIdx(encodeIdx({ type: 'uint8', shape: [2, 2, 3], data: Array.from(HAND_MADE.subarray(16)) }, { gzip: true }), 'e');
  assert.deepEqual(Array.from(viaEncoder.data), Array.from(HAND_MADE.subarray(16)));
});

test('multi-byte types are big-endian', () => {
  const header = (code: number, n: number) => [0, 0, code, 1, 0, 0, 0, n];
  const i8 = parseIdx(new Uint8Array([...header(0x09, 2), 0xff, 0x7f]), 'i8');
  assert.equal(i8.type, 'int8');
  assert.deepEqual(Array.from(i8.data), [-1, 127]);
  const i16 = parseIdx(new Uint8Array([...header(0x0b, 2), 0x01, 0x02, 0xff, 0xfe]), 'i16');
  assert.equal(i16.type, 'int16');
  assert.deepEqual(Array.from(i16.data), [258, -2]);
  const i32 = parseIdx(new Uint8Array([...header(0x0c, 2), 0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff]), 'i32');
  assert.deepEqual(Array.from(i32.data), [256, -1]);
  const f32 = parseIdx(new Uint8Array([...header(0x0d, 2), 0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0]), 'f32');
  assert.equal(f32.type, 'float32');
  assert.deepEqual(Array.from(f32.data), [1, -2]);
  const f64 = parseIdx(new Uint8Array([...header(0x0e, 1), 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]), 'f64');
  assert.equal(f64.type, 'float64');
  assert.deepEqual(Array.from(f64.data), [1.5]);
});

test('a Node Buffer (what readFileSync returns) decodes to copies of just the data', () => {
  const buffer = Buffer.from([0, 0, 0x09, 1, 0, 0, 0, 3, 0x80, 0x00, 0x7f]);
  const i8 = parseIdx(buffer, 'buf');
  assert.deepEqual(Array.from(i8.data), [-128, 0, 127]);
  const u8 = parseIdx(Buffer.from(HAND_MADE), 'buf');
  buffer.fill(1);
  assert.deepEqual(Array.from(i8.data), [-128, 0, 127], 'not a view of the input');
  assert.equal(u8.data.length, 12);
  assert.equal(u8.data.buffer.byteLength, 12);
});

test('every type round trips through encodeIdx', () => {
  const cases = [
    { type: 'int8', data: [-128, 0, 127] },
    { type: 'int16', data: [-32768, 1, 32767] },
    { type: 'int32', data: [-2147483648, 7, 2147483647] },
    { type: 'float32', data: [0.5, -3.25, 1048576] },
    { type: 'float64', data: [0.1, -1e300, Math.PI] },
  ] as const;
  for (const c of cases) {
    const a = parseIdx(encodeIdx({ type: c.type, shape: [3], data: c.data }), c.type);
    assert.equal(a.type, c.type);
    assert.deepEqual(Array.from(a.data), [...c.data], c.type);
  }
  assert.throws(() => encodeIdx({ type: 'uint8', shape: [1], data: [256] }), /value 256 at index 0 does not fit uint8/);
  assert.throws(() => encodeIdx({ type: 'uint8', shape: [2], data: [1] }), /needs 2 values, got 1/);
});

test('corrupt files each say what is wrong', () => {
  const err = (bytes: Uint8Array, re: RegExp) =>
    assert.throws(() => parseIdx(bytes, 'bad.idx'), (e: unknown) => e instanceof DataError && re.test(e.message));
  err(new Uint8Array([0, 0]), /^bad\.idx: truncated: an IDX file starts with a 4-byte magic number, but the file has 2 bytes$/);
  err(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]), /^bad\.idx: not an IDX file: magic number 0x50 0x4b 0x03 0x04 should start with 0x00 0x00/);
  err(new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0]), /^bad\.idx: unsupported IDX element type 0x0a \(known: 0x08 uint8, 0x09 int8/);
  err(new Uint8Array([0, 0, 0x08, 0]), /0 dimensions/);
  err(HAND_MADE.subarray(0, 10), /^bad\.idx: truncated: header says 3 dimensions \(16 header bytes\) but the file has only 10 bytes$/);
  err(HAND_MADE.subarray(0, 20), /^bad\.idx: truncated: header says 2 items of 2x3 uint8 \(12 bytes of data\) but only 4 bytes follow$/);
  err(new Uint8Array([...HAND_MADE, 0, 0, 0]), /^bad\.idx: trailing garbage: header says 2 items of 2x3 uint8 \(12 bytes of data\) but 15 bytes follow \(3 extra\)$/);
  const gz = gzipSync(HAND_MADE);
  err(gz.subarray(0, gz.length - 6), /^bad\.idx: gzip data is truncated or corrupt/);
});

test('loadIdxDataset flattens images, keeps raw pixels and checks counts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-idx-'));
  try {
    const images = join(dir, 'imgs');
    const labels = join(dir, 'labels.gz');
    writeFileSync(images, HAND_MADE);
    writeFileSync(labels, encodeIdx({ type: 'uint8', shape: [2], data: [1, 0] }, { gzip: true }));
    const ds = loadIdxDataset(images, labels);
    assert.equal(ds.count, 2);
    assert.equal(ds.features, 6);
    assert.equal(ds.classes, 2);
    assert.ok(ds.x instanceof Float32Array);
    assert.deepEqual(Array.from(ds.x), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
    assert.deepEqual(Array.from(ds.y), [1, 0]);
    assert.equal(loadIdxDataset(images, labels, { classes: 10 }).classes, 10);
    assert.equal(readIdx(labels).shape[0], 2);

    const threeLabels = encodeIdx({ type: 'uint8', shape: [3], data: [0, 1, 2] });
    assert.throws(
      () => loadIdxDataset(images, threeLabels, { labelsSource: 'three.idx' }),
      new RegExp(`: ${escape(images)}: has 2 images but three\\.idx has 3 labels; they must match$`),
    );
    assert.throws(() => loadIdxDataset(images, labels, { classes: 1 }), /label 0 is 1 but classes is 1/);
    assert.throws(() => loadIdxDataset(HAND_MADE, HAND_MADE), /<labels>: labels must be 1-dimensional, got shape \[2, 2, 3\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
