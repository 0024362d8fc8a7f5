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
import { availableBackends } from '../../src/backend/index.js';
import { ReferenceBackend } from '../../src/backend/reference.js';
import { Matrix } from '../../src/backend/tensor.js';
import { loadWasmModule, WASM_URL, WasmBackend, webAssembly } from '../../src/backend/wasm.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, backendConformance, random } from './conformance.js';

const reference = new ReferenceBackend();
const wasm = new WasmBackend();

backendConformance(wasm, { name: 'wasm', register: (title, fn) => test(title, fn) });

test('the committed build loads, exports every kernel the backend calls, and matches wasm/assembly', () => {
  assert.ok(loadWasmModule(), `${WASM_URL.pathname} compiles here`);
  const exported = webAssembly.Module.exports(loadWasmModule()!).map((e) => e.name).sort();
  const called = [
    'memory', 'heapBase', 'gemmScratchFloats', 'gemm', 'scale', 'addRowVector', 'sumRows', 'activationForward',
    'activationBackward', 'batchNormTrain', 'batchNormEval', 'batchNormBackward', 'softmax', 'softmaxCrossEntropy',
    'sigmoidBinaryCrossEntropy', 'countCorrect', 'multiply', 'sgdStep', 'momentumStep', 'rmspropStep', 'adamStep',
  ];
  for (const name of called) assert.ok(exported.includes(name), `caviar.wasm exports ${name}`);
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


test('the registry lists wasm after native and before reference', () => {
  const names = availableBackends();
  assert.ok(names.includes('wasm'));
  assert.ok(names.indexOf('wasm') < names.indexOf('reference'));
  if (names.includes('native')) assert.ok(names.indexOf('native') < names.indexOf('wasm'));
});
