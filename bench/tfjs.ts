/**
 * TensorFlow.js side of the training benchmark (docs/BENCHMARKS.md): the same
 * MLP (784-256-128-10, batch norm after both hidden dense layers, ReLU,
 * softmax cross-entropy, Adam 1e-3, batch 128) on Fashion-MNIST with the
 * wasm backend (XNNPACK, SIMD), one thread, inputs normalized once.
 * At about 1,500 samples/s a full epoch takes about 40 s, so by default it
 * times a fixed number of batches after 3 warm-up batches and extrapolates
 * samples/s (labelled `extrapolated`); `--batches 469` is a full epoch.
 *
 *   node --import tsx bench/tfjs.ts [--batches 60] [--backend wasm|cpu] [--json]
 */
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const json = process.argv.includes('--json');
const batches = Number(option('batches', '60'));
const backendName = option('backend', 'wasm');
const batchSize = 128;

if (backendName === 'wasm') {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread, like the others
  setThreadsCount(1);
}
await tf.setBackend(backendName);
await tf.ready();

const train = loadFashionMnist({ split: 'train' });
const n = train.count, d = 784;
// Normalize once per feature (mean / std), as fit's normalizeInputs and the PyTorch script do.
const x = new Float32Array(n * d);
for (let j = 0; j < d; j++) {
  let sum = 0, sq = 0;
  for (let i = 0; i < n; i++) { const v = train.x[i * d + j]; sum += v; sq += v * v; }
  const mean = sum / n, sd = Math.sqrt(Math.max(sq / n - mean * mean, 0)) + 1e-8;
  for (let i = 0; i < n; i++) x[i * d + j] = (train.x[i * d + j] - mean) / sd;
}
const order = tf.util.createShuffledIndices(n);

const model = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [d], units: 256, useBias: false }),
    tf.layers.batchNormalization(), tf.layers.reLU(),
    tf.layers.dense({ units: 128, useBias: false }),
    tf.layers.batchNormalization(), tf.layers.reLU(),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });

const xb = new Float32Array(batchSize * d), yb = new Float32Array(batchSize * 10);
async function step(b: number): Promise<number> {
  yb.fill(0);
  for (let r = 0; r < batchSize; r++) {
    const i = order[(b * batchSize + r) % n];
    xb.set(x.subarray(i * d, (i + 1) * d), r * d);
    yb[r * 10 + train.y[i]] = 1;
  }
  const xs = tf.tensor2d(xb, [batchSize, d]), ys = tf.tensor2d(yb, [batchSize, 10]);
  const loss = (await model.trainOnBatch(xs, ys)) as number;
  xs.dispose(); ys.dispose();
  return loss;
}

const warmup = 3;
for (let b = 0; b < warmup; b++) await step(b);
const start = performance.now();
let loss = 0;
for (let b = warmup; b < warmup + batches; b++) loss = await step(b);
const seconds = (performance.now() - start) / 1000;
const samplesPerSec = (batches * batchSize) / seconds;
const extrapolated = batches * batchSize < n;
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
if (json) {
  console.log(JSON.stringify({
    system: `tfjs ${tf.version.tfjs}`, backend: backendName, samplesPerSec, gflops: null, peakRssMb,
    batches, extrapolated, seconds, loss,
  }));
} else {
  console.log(
    `tfjs ${tf.version.tfjs} ${backendName}: ${batches} batches of ${batchSize} in ${seconds.toFixed(1)} s, ` +
      `${Math.round(samplesPerSec)} samples/s${extrapolated ? ' (extrapolated to an epoch)' : ''}, loss ${loss.toFixed(4)}, peak RSS ${peakRssMb} MB`,
  );
}
