/**
 * The WebAssembly backend against the reference backend: every kernel on
 * random data of odd shapes (1, 3, 17, 255, 1025 and the blocking edges of
 * wasm/assembly/gemm.ts), the PyTorch parity file, a short training run, and
 * the committed build itself: it loads, exports what src/backend/wasm.ts
 * calls, and was built from the sources in wasm/assembly as they are now.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { KERNELS } from '../../src/backend/backend.js';
import { availableBackends } from '../../src/backend/index.js';
import { ReferenceBackend } from '../../src/backend/reference.js';
import { allocate, Matrix } from '../../src/backend/tensor.js';
import { LinearHeap, loadWasmModule, WASM_URL, WasmBackend, webAssembly } from '../../src/backend/wasm.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, backendConformance, inBackendStorage, random } from './conformance.js';

const reference = new ReferenceBackend();
const wasm = new WasmBackend();

backendConformance(wasm, { name: 'wasm', register: (title, fn) => test(title, fn) });
// The same kernels on arrays in linear memory (used in place), and on calls that mix them with plain arrays.
backendConformance(inBackendStorage(wasm, 'all'), { name: 'wasm, arguments in linear memory', register: (title, fn) => test(title, fn) });
backendConformance(inBackendStorage(wasm, 'alternate'), { name: 'wasm, every other argument in linear memory', register: (title, fn) => test(title, fn) });

test('the committed build loads, exports every kernel the backend calls, and matches wasm/assembly', () => {
  assert.ok(loadWasmModule(), `${WASM_URL.pathname} compiles here`);
  const exported = webAssembly.Module.exports(loadWasmModule()!).map((e) => e.name).sort();
  // Every kernel of Backend under its own name (index.ts re-exports all of ops.ts), and the module's plumbing; nothing else.
  const called = [...KERNELS, 'memory', 'heapBase', 'gemmScratchFloats', 'scale'].sort();
  assert.deepEqual(exported, called, 'caviar.wasm exports every kernel and nothing more');
  assert.deepEqual(webAssembly.Module.imports(loadWasmModule()!), [], 'caviar.wasm imports nothing');
  // scripts/build-wasm.mjs records the SHA-256 of each source it compiled; a source edited since must be rebuilt.
  const recorded = readFileSync(new URL('../../wasm/build/caviar.wasm.sources', import.meta.url), 'utf8');
  const sources = readdirSync(new URL('../../wasm/assembly/', import.meta.url)).sort();
  for (const name of sources) {
    const text = readFileSync(new URL(`../../wasm/assembly/${name}`, import.meta.url));
    const line = `${createHash('sha256').update(text).digest('hex')}  wasm/assembly/${name}`;
    assert.ok(recorded.includes(line), `wasm/assembly/${name} changed since the last build: run npm run build:wasm`);
  }
  assert.equal(recorded.split('\n').filter((l) => l.includes('  wasm/assembly/')).length, sources.length);
});

// A full rebuild takes the compiler about 6 s, so it runs in CI (CAVIAR_REQUIRE_ALL=1) or on request.
test('a fresh build of wasm/assembly is byte for byte the committed caviar.wasm', (t) => {
  if (process.env.CAVIAR_REQUIRE_ALL !== '1' && process.env.CAVIAR_CHECK_WASM_BUILD !== '1') {
    t.skip('skipped: set CAVIAR_CHECK_WASM_BUILD=1 to rebuild with the AssemblyScript compiler and compare');
    return;
  }
  const script = new URL('../../scripts/build-wasm.mjs', import.meta.url).pathname;
  const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr + run.stdout);
});

test('gemm across the blocking edges of wasm/assembly/gemm.ts, every transpose form', () => {
  // m past MC (160): blocks of 110, 110 and 103 rows, the last ending in a partial 5-row tile; k past KC
  // (256): blocks of 180, 180 and 173; n past NC (1024): blocks of 520 and 513 columns, the last ending in
  // a partial 8-column panel.
  const [m, k, n] = [323, 533, 1033];
  const rng = new Rng(13);
  for (const [ta, tb] of [[false, true], [true, false], [false, false], [true, true]]) {
    const a = ta ? random(k, m, rng) : random(m, k, rng);
    const b = tb ? random(n, k, rng) : random(k, n, rng);
    const c = random(m, n, rng), cr = Matrix.zeros(m, n);
    cr.data.set(c.data);
    wasm.gemm(a, ta, b, tb, c, 0.5, 1);
    reference.gemm(a, ta, b, tb, cr, 0.5, 1);
    assertClose(c.data, cr.data, 1e-3, `gemm ${m}x${k}x${n} ta=${ta} tb=${tb}`);
  }
});

test('linear memory grows for a large product and the results stay right after it', () => {
  const rng = new Rng(12);
  const a = random(200, 400, rng), b = random(400, 300, rng);
  const c = Matrix.zeros(200, 300), cr = Matrix.zeros(200, 300);
  const fresh = new WasmBackend();
  fresh.gemm(a, false, b, false, c, 1, 0);
  reference.gemm(a, false, b, false, cr, 1, 0);
  assertClose(c.data, cr.data, 1e-4, 'large gemm');
  const small = Matrix.fromRows([[1, 2]]);
  const s = Matrix.zeros(1, 1);
  fresh.gemm(small, false, small, true, s, 1, 0);
  assert.equal(s.data[0], 5);
});


test('arrays from allocateFloat32 start at zero, are used in place, and stay valid when linear memory grows', () => {
  const backend = new WasmBackend();
  const rng = new Rng(14);
  const place = (m: Matrix) => {
    const data = allocate('float32', m.data.length, backend);
    assert.ok(data.every((v) => v === 0), 'zero-filled');
    data.set(m.data);
    return new Matrix(m.rows, m.cols, data);
  };
  const a = place(random(30, 40, rng)), b = place(random(40, 20, rng));
  const before = Float32Array.from(a.data);
  // 64 MiB more than the memory holds: it grows, and the views handed out before keep their contents.
  const big = backend.allocateFloat32(16 << 20);
  big[big.length - 1] = 7;
  assert.deepEqual(a.data, before);
  const c = place(Matrix.zeros(30, 20)), cr = Matrix.zeros(30, 20);
  backend.gemm(a, false, b, false, c, 1, 0);
  reference.gemm(a, false, b, false, cr, 1, 0);
  assertClose(c.data, cr.data, 1e-5, 'gemm on arrays from before and after the growth');
  assert.equal(big[big.length - 1], 7);
});

test('the linear-memory heap: first fit, blocks merged when released, growth by at least half', () => {
  const PAGE = 65536;
  let buffer = new ArrayBuffer(2 * PAGE);
  const memory = { get buffer() { return buffer; }, grow(pages: number) { buffer = new ArrayBuffer(buffer.byteLength + pages * PAGE); return 0; } };
  let grown = 0;
  const heap = new LinearHeap(memory, 100, () => grown++);
  assert.deepEqual(heap.freeSpace, { bytes: 2 * PAGE - 128, blocks: 1 }, 'starts at the first cache line past start');
  const x = heap.alloc(1), y = heap.alloc(65), z = heap.alloc(64);
  assert.deepEqual([x, y, z], [128, 192, 320], 'blocks of whole cache lines, one after another');
  heap.release(y);
  assert.equal(heap.alloc(64), 192, 'a released block is found first');
  heap.release(192);
  heap.release(x);
  heap.release(z);
  assert.deepEqual(heap.freeSpace, { bytes: 2 * PAGE - 128, blocks: 1 }, 'neighbours merge back into one block');
  heap.release(x); // twice: ignored
  assert.deepEqual(heap.freeSpace, { bytes: 2 * PAGE - 128, blocks: 1 });
  const huge = heap.alloc(3 * PAGE);
  assert.equal(huge, 128, 'the free tail is extended rather than skipped');
  assert.equal(grown, 1);
  assert.equal(buffer.byteLength, 4 * PAGE, 'grown by what was missing, at least half the memory');
});

test('the registry lists wasm after native and before reference', () => {
  const names = availableBackends();
  assert.ok(names.includes('wasm'));
  assert.ok(names.indexOf('wasm') < names.indexOf('reference'));
  if (names.includes('native')) assert.ok(names.indexOf('native') < names.indexOf('wasm'));
});
