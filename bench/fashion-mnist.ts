/**
 * The network issue's accuracy benchmark: Fashion-MNIST, 784-256-128-10 with
 * batch norm after both hidden dense layers, ReLU, softmax cross-entropy,
 * Adam, batch 128, one thread. Prints test accuracy per epoch and training
 * samples per second.
 *
 * With --sync (bench/parallel.ts), the first epoch's first batch ends with
 * a line {"ready": true} and waits for a line on stdin before the rest, so
 * that processes trained side by side start together, warmed up and with
 * their data loaded.
 *
 *   node --import tsx bench/fashion-mnist.ts [--epochs 10] [--lr 0.001] [--train N] [--seed S] [--json] [--sync]
 */
import { createInterface } from 'node:readline';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { subset } from '../src/data/split.js';
import { batchNorm, dense, relu } from '../src/nn/config.js';
import { Sequential } from '../src/nn/model.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const epochs = option('epochs', 10);
const lr = option('lr', 0.001);
const seed = option('seed', 1);
const json = process.argv.includes('--json');
const sync = process.argv.includes('--sync');
/** Resolves at the next line on stdin. */
const nextLine = () =>
  new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.once('line', () => {
      lines.close();
      resolve();
    });
  });
let train = loadFashionMnist({ split: 'train' });
const test = loadFashionMnist({ split: 'test' });
const limit = option('train', train.count);
if (limit < train.count) train = subset(train, Array.from({ length: limit }, (_, i) => i));

const model = new Sequential(
  {
    inputSize: 784,
    layers: [dense(256, { bias: false }), batchNorm(), relu(), dense(128, { bias: false }), batchNorm(), relu(), dense(10)],
  },
  { seed },
);
if (!json) console.log(`backend ${model.backend.name}, ${train.count} training examples, ${epochs} epochs, Adam lr ${lr}, batch 128`);
// Each epoch's batches after the first (its "window"): their wall time, and this process's CPU time over
// them: how much of a core the epoch had (bench/parallel.ts reports it when processes share the machine).
let cpuStart = process.cpuUsage(), wallStart = 0, cpuSeconds = 0, windowSeconds = 0;
const history = await model.fit(train.x, train.y, {
  epochs,
  batchSize: 128,
  seed,
  optimizer: { type: 'adam', learningRate: lr },
  normalizeInputs: true,
  validation: { x: test.x, y: test.y },
  hooks: {
    onBatchEnd: async ({ epoch, batch, batches }) => {
      if (batch === 0) {
        if (sync && epoch === 1) {
          console.log(JSON.stringify({ ready: true }));
          await nextLine();
        }
        cpuStart = process.cpuUsage();
        wallStart = performance.now();
      } else if (batch === batches - 1) {
        const used = process.cpuUsage(cpuStart);
        cpuSeconds = (used.user + used.system) / 1e6;
        windowSeconds = (performance.now() - wallStart) / 1000;
      }
    },
    onEpochEnd: ({ metrics: m }) => {
      const row = {
        epoch: m.epoch, trainLoss: m.loss, trainAccuracy: m.accuracy, testLoss: m.devLoss, testAccuracy: m.devAccuracy,
        samplesPerSec: Math.round(m.samplesPerSecond), seconds: m.seconds,
        // The window, batches 1..last: its samples and seconds, samples per second of CPU time, share of a core.
        windowSamples: train.count - 128, windowSeconds,
        samplesPerCpuSecond: cpuSeconds > 0 ? Math.round((train.count - 128) / cpuSeconds) : null,
        cpuShare: windowSeconds > 0 ? Number((cpuSeconds / windowSeconds).toFixed(3)) : null,
      };
      if (json) console.log(JSON.stringify({ system: 'caviar', backend: model.backend.name, ...row }));
      else {
        console.log(
          `epoch ${String(m.epoch).padStart(2)}  train loss ${m.loss.toFixed(4)} acc ${(100 * m.accuracy).toFixed(2)}%  ` +
            `test loss ${m.devLoss!.toFixed(4)} acc ${(100 * m.devAccuracy!).toFixed(2)}%  ` +
            `${Math.round(m.samplesPerSecond)} samples/s  ${m.seconds.toFixed(1)} s`,
        );
      }
    },
  },
});
const best = Math.max(...history.epochs.map((e) => e.devAccuracy ?? 0));
if (!json) console.log(`best test accuracy ${(100 * best).toFixed(2)}%, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
