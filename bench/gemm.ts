/**
 * GFLOP/s of the three matrix-product forms training needs, per backend:
 * forward `X W^T`, weight gradient `dZ^T X`, input gradient `dZ W`,
 * at the Fashion-MNIST MLP's first-layer shape (batch 128, 784 in, 256 out).
 * The native backend is measured with each matrix-product kernel this CPU
 * can run (native/avx512, native/avx2, native/portable); the first listed is
 * the one it uses. Matrices live where training keeps them: in the backend's
 * own storage when it has one (the WebAssembly backend's linear memory);
 * `wasm/staged` is the WebAssembly backend on plain arrays, copied in and out
 * by every call.
 *
 * Each figure is work over wall-clock time; `cpu` beside it is work over
 * this process's CPU time, which other processes on the machine do not
 * lower (they take the core away, not the speed while it runs).
 *
 *   node --import tsx bench/gemm.ts [--json]
 */
import type { Backend } from '../src/backend/backend.js';
import { availableBackends, getBackend } from '../src/backend/index.js';
import { loadNativeAddon } from '../src/backend/native.js';
import { allocate, Matrix } from '../src/backend/tensor.js';
import { Rng } from '../src/util/rng.js';

const m = 128, k = 784, n = 256;
const json = process.argv.includes('--json');

/** Every backend, and the native one once per kernel: [label, backend, prepare, storage of the matrices]. */
const runs: Array<[string, Backend, () => void, Backend | null]> = [];
for (const name of availableBackends()) {
  const backend = getBackend(name);
  const addon = name === 'native' ? loadNativeAddon() : null;
  if (!addon) runs.push([name, backend, () => {}, backend]);
  else for (const kernel of addon.info().kernels) runs.push([`${name}/${kernel}`, backend, () => addon.setKernel(kernel), backend]);
  if (backend.allocateFloat32) runs.push([`${name}/staged`, backend, () => {}, null]);
}

for (const [name, backend, prepare, storage] of runs) {
  prepare();
  const rng = new Rng(1);
  const matrix = (rows: number, cols: number, random: boolean) => {
    const x = new Matrix(rows, cols, allocate('float32', rows * cols, storage));
    if (random) for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
    return x;
  };
  const X = matrix(m, k, true), W = matrix(n, k, true), dZ = matrix(m, n, true);
  const Z = matrix(m, n, false), dW = matrix(n, k, false), dX = matrix(m, k, false);
  const forms: Array<[string, () => void]> = [
    ['X W^T', () => backend.gemm(X, false, W, true, Z, 1, 0)],
    ['dZ^T X', () => backend.gemm(dZ, true, X, false, dW, 1, 0)],
    ['dZ W', () => backend.gemm(dZ, false, W, false, dX, 1, 0)],
  ];
  for (const [form, run] of forms) {
    for (let i = 0; i < 5; i++) run(); // warm up the JIT
    let reps = 0;
    const cpu0 = process.cpuUsage(), start = performance.now();
    while (performance.now() - start < 1000) { run(); reps++; }
    const seconds = (performance.now() - start) / 1000, used = process.cpuUsage(cpu0);
    const gflops = (2 * m * n * k * reps) / seconds / 1e9;
    const cpuGflops = (2 * m * n * k * reps) / ((used.user + used.system) / 1e6) / 1e9;
    if (json) console.log(JSON.stringify({ system: 'caviar', backend: name, form, m, k, n, gflops, cpuGflops }));
    else console.log(`${name.padEnd(16)} ${form.padEnd(7)} ${m}x${k}x${n}  ${gflops.toFixed(2)} GFLOP/s (cpu ${cpuGflops.toFixed(2)})`);
  }
}
loadNativeAddon()?.setKernel(loadNativeAddon()!.info().kernels[0]);
