/**
 * The native backend against the reference backend: every kernel on random
 * data of odd shapes (1, 3, 17, 255, 1025 and the blocking edges of the
 * matrix product), every matrix-product kernel this CPU can run (AVX-512,
 * AVX2, portable), the PyTorch parity file, and a short training run. When
 * the addon is not built these tests skip (or fail with CAVIAR_REQUIRE_ALL=1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { availableBackends, backendInfo } from '../../src/backend/index.js';
import { loadNativeAddon, NativeBackend } from '../../src/backend/native.js';
import { Matrix } from '../../src/backend/tensor.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, backendConformance, random } from './conformance.js';
import { requireOrSkip } from '../helpers/requirements.js';

const addon = loadNativeAddon();
const NOTICE = 'the native addon is not built (npm install builds it when a C compiler is present)';

// Without the addon the file reduces to this one test: a one-line skip (a failure with CAVIAR_REQUIRE_ALL=1).
test('the native addon is built and loads', (t) => {
  if (!requireOrSkip(t, addon !== null, NOTICE)) return;
  assert.equal(new NativeBackend().name, 'native');
});

if (addon) {
  backendConformance(new NativeBackend(), { name: 'native', register: (title, fn) => test(title, fn), forEachVariant: forEachKernel });
}

/** A test that needs the addon; registered only when it loads. */
function nativeTest(name: string, fn: (native: NativeBackend) => void | Promise<void>): void {
  if (addon) test(name, () => fn(new NativeBackend()));
}

/** Runs fn once per matrix-product kernel this CPU supports, restoring the best one afterwards. */
function forEachKernel(fn: (kernel: string) => void): void {
  const { kernels } = addon!.info();
  try {
    for (const kernel of kernels) {
      assert.ok(addon!.setKernel(kernel));
      fn(kernel);
    }
  } finally {
    addon!.setKernel(kernels[0]);
  }
}
nativeTest('gemm refuses mismatched shapes with the reference message; the addon refuses wrong types and short arrays', (native) => {
  assert.throws(
    () => native.gemm(Matrix.zeros(2, 3), false, Matrix.zeros(4, 5), false, Matrix.zeros(2, 5), 1, 0),
    /gemm: shape mismatch: op\(a\) is \[2\]\[3\], op\(b\) is \[4\]\[5\]/,
  );
  const f = new Float32Array(4);
  assert.throws(() => addon!.gemm(new Float64Array(4) as never, 2, 2, false, f, 2, 2, false, f, 1, 0, null), TypeError);
  assert.throws(() => addon!.gemm(f, 2, 3, false, f, 3, 2, false, f, 1, 0, null), /a holds 4 values, needs 6/);
  assert.throws(() => addon!.addRowVector(f, 2, 2, new Float32Array(1)), RangeError);
  assert.throws(
    () => addon!.softmaxCrossEntropy(f, 2, 2, Int32Array.from([0, 2]), new Float32Array(4), null),
    /labels \[1\] is 2, outside 0\.\.1/,
  );
});

nativeTest('gemmBias fuses the bias add: the same as gemm then addRowVector', (native) => {
  const rng = new Rng(3);
  for (const [m, k, n] of [[3, 17, 5], [128, 300, 10], [1, 1, 33]]) {
    const x = random(m, k, rng), w = random(n, k, rng);
    const bias = random(1, n, rng).data;
    const fused = Matrix.zeros(m, n), separate = Matrix.zeros(m, n);
    forEachKernel((kernel) => {
      native.gemmBias(x, false, w, true, fused, bias);
      native.gemm(x, false, w, true, separate, 1, 0);
      native.addRowVector(separate, bias);
      assertClose(fused.data, separate.data, 1e-6, `${kernel} [${m}x${k}x${n}]`);
    });
  }
});


nativeTest('the registry prefers native, and backendInfo reports its kernel and CPU features', () => {
  assert.equal(availableBackends()[0], 'native');
  const info = backendInfo();
  assert.ok(info.available.includes('native') && info.available.includes('reference'));
  assert.equal(info.backend, process.env.CAVIAR_BACKEND || 'native');
  assert.ok(info.nativeKernel && addon!.info().kernels.includes(info.nativeKernel));
  if (info.nativeKernel === 'avx512') assert.ok(info.cpuFeatures.includes('avx512f'));
  if (info.nativeKernel === 'avx2') assert.ok(info.cpuFeatures.includes('avx2') && info.cpuFeatures.includes('fma'));
});

nativeTest('each worker thread has its own kernel choice and scratch memory', async () => {
  // Plain JavaScript in the worker: it loads the addon directly and runs a product with the portable kernel.
  const path = createRequire(import.meta.url).resolve('../../build/Release/caviar_native.node');
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const addon = require(workerData.path);
    const ok = addon.setKernel('portable');
    const a = Float32Array.from({ length: 300 * 40 }, (_, i) => (i % 7) - 3);
    const out = new Float32Array(40 * 40);
    for (let r = 0; r < 20; r++) addon.gemm(a, 300, 40, true, a, 300, 40, false, out, 1, 0, null);
    parentPort.postMessage({ ok, kernel: addon.info().kernel, first: out[0] });`;
  const before = addon!.info().kernel;
  const results = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<{ ok: boolean; kernel: string; first: number }>((resolve, reject) => {
          const worker = new Worker(source, { eval: true, workerData: { path } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  let expected = 0;
  for (let p = 0; p < 300; p++) expected += ((p * 40) % 7 - 3) ** 2;
  for (const r of results) assert.deepEqual(r, { ok: true, kernel: 'portable', first: expected });
  assert.equal(addon!.info().kernel, before, 'the main thread keeps its kernel');
});
