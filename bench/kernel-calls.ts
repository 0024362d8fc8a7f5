/**
 * What one kernel call costs beyond its arithmetic: small calls (a bias's
 * optimizer step, a 16 x 10 activation and bias add, a 16-row softmax
 * cross-entropy) through each fast backend, so the cost of getting there
 * (the float32 routing of src/backend/float32.ts, the addon's argument
 * checks, the wasm staging) dominates. Prints nanoseconds per call, best of
 * --rounds (default 5) runs of --calls (default 200,000) calls each.
 *
 *   node --import tsx bench/kernel-calls.ts [--calls 200000] [--rounds 5] [--json]
 *
 * To compare two trees, run it in each (the same Node, one after the other,
 * a few times alternating); docs/BENCHMARKS.md has the figures.
 */
import { availableBackends, getBackend } from '../src/backend/index.js';
import { allocate, Matrix } from '../src/backend/tensor.js';
import type { Backend } from '../src/backend/backend.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const calls = option('calls', 200_000);
const rounds = option('rounds', 5);
const json = process.argv.includes('--json');

/** The small calls of one training step's tail, on arrays the backend allocated (as layers do). */
function cases(backend: Backend): Array<[string, () => void]> {
  const vec = (n: number) => allocate('float32', n, backend) as Float32Array;
  const mat = (r: number, c: number) => new Matrix(r, c, vec(r * c));
  const w = vec(10), g = vec(10), v = vec(10), s = vec(10);
  g.fill(0.01);
  const z = mat(16, 10), a = mat(16, 10), probs = mat(16, 10), dz = mat(16, 10);
  for (let i = 0; i < z.data.length; i++) z.data[i] = Math.sin(i);
  const labels = Int32Array.from({ length: 16 }, (_, i) => i % 10);
  return [
    ['adamStep [10]', () => backend.adamStep(w, g, v, s, 1e-3, 0.9, 0.999, 1e-8, 1, 0)],
    ['activationForward relu [16][10]', () => backend.activationForward('relu', 0, z, a)],
    ['addRowVector [16][10]', () => backend.addRowVector(a, w)],
    ['softmaxCrossEntropy [16][10]', () => { backend.softmaxCrossEntropy(z, labels, probs, dz); }],
  ];
}

const results: Array<{ backend: string; call: string; nsPerCall: number }> = [];
for (const name of availableBackends().filter((b) => b !== 'reference')) {
  const backend = getBackend(name);
  for (const [call, run] of cases(backend)) {
    for (let i = 0; i < 20_000; i++) run(); // warm-up: optimized before timing
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) run();
      best = Math.min(best, Number(process.hrtime.bigint() - start) / calls);
    }
    results.push({ backend: name, call, nsPerCall: best });
  }
}
if (json) for (const r of results) console.log(JSON.stringify(r));
else {
  console.log('| backend | call | ns per call |\n| --- | --- | ---: |');
  for (const r of results) console.log(`| ${r.backend} | ${r.call} | ${r.nsPerCall.toFixed(0)} |`);
}
