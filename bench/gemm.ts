/**
 * GFLOP/s of the three matrix-product forms training needs, per backend:
 * forward `X W^T`, weight gradient `dZ^T X`, input gradient `dZ W`,
 * at the Fashion-MNIST MLP's first-layer shape (batch 128, 784 in, 256 out).
 * The native backend is measured with each matrix-product kernel this CPU
 * can run (native/avx512, native/avx2, native/portable); the first listed is
 * the one it uses.
 *
 *   node --import tsx bench/gemm.ts [--json]
 */
import type { Backend } from '../src/backend/backend.js';
import { availableBackends, getBackend } from '../src/backend/index.js';
import { loadNativeAddon } from '../src/backend/native.js';
import { Matrix } from '../src/backend/tensor.js';
import { Rng } from '../src/util/rng.js';

const m = 128, k = 784, n = 256;
const rng = new Rng(1);
const fill = (rows: number, cols: number) => {
  const x = Matrix.zeros(rows, cols);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
  return x;
};
const X = fill(m, k), W = fill(n, k), dZ = fill(m, n);
const Z = Matrix.zeros(m, n), dW = Matrix.zeros(n, k), dX = Matrix.zeros(m, k);
const json = process.argv.includes('--json');

/** Every backend, and the native one once per kernel: [label, backend, prepare]. */
const runs: Array<[string, Backend, () => void]> = [];
for (const name of availableBackends()) {
  const backend = getBackend(name);
  const addon = name === 'native' ? loadNativeAddon() : null;
  if (!addon) runs.push([name, backend, () => {}]);
  else for (const kernel of addon.info().kernels) runs.push([`${name}/${kernel}`, backend, () => addon.setKernel(kernel)]);
}

for (const [name, backend, prepare] of runs) {
  prepare();
  const forms: Array<[string, () => void]> = [
    ['X W^T', () => backend.gemm(X, false, W, true, Z, 1, 0)],
    ['dZ^T X', () => backend.gemm(dZ, true, X, false, dW, 1, 0)],
    ['dZ W', () => backend.gemm(dZ, false, W, false, dX, 1, 0)],
  ];
  for (const [form, run] of forms) {
    for (let i = 0; i < 5; i++) run(); // warm up the JIT
    let reps = 0;
    const start = performance.now();
    while (performance.now() - start < 1000) { run(); reps++; }
    const seconds = (performance.now() - start) / 1000;
    const gflops = (2 * m * n * k * reps) / seconds / 1e9;
    if (json) console.log(JSON.stringify({ system: 'caviar', backend: name, form, m, k, n, gflops }));
    else console.log(`${name.padEnd(16)} ${form.padEnd(7)} ${m}x${k}x${n}  ${gflops.toFixed(2)} GFLOP/s`);
  }
}
loadNativeAddon()?.setKernel(loadNativeAddon()!.info().kernels[0]);
