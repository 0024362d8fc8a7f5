/**
 * `caviar train`: trains one MLP on a built-in data set (no download needed)
 * or on Fashion-MNIST, prints loss and accuracy per epoch and the test
 * metrics, and saves the model.
 */
import { parseArgs } from 'node:util';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import type { Dataset } from '../data/dataset.js';
import { splitDataset } from '../data/split.js';
import { blobs, circles, spirals, xor } from '../data/synthetic.js';
import { saveModel } from '../io/model-file.js';
import { batchNorm, dense, relu, type LayerConfig } from '../nn/config.js';
import { Sequential } from '../nn/model.js';
import { OPTIMIZER_TYPES } from '../optim/index.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import { UsageError, type Output } from './output.js';

export const trainHelp = `Usage: caviar train [options]

Trains a multilayer perceptron (dense, batch norm, ReLU, softmax) and saves it.

Options:
  --data NAME        spirals (default), blobs, circles, xor, or fashion-mnist
  --hidden LIST      hidden layer sizes, comma-separated (default 64,64; fashion-mnist 256,128)
  --no-batch-norm    no batch norm after the hidden dense layers
  --epochs N         passes over the training set (default 30; fashion-mnist 10)
  --batch-size N     mini-batch size (default 32; fashion-mnist 128)
  --optimizer NAME   ${OPTIMIZER_TYPES.join(', ')} (default adam)
  --lr RATE          learning rate (default 0.01; fashion-mnist 0.001)
  --seed N           seed for data, initialization and shuffling (default 1)
  --out PATH         where to save the model (default caviar-out/model.safetensors)
  --json             one JSON object per event instead of text
  -h, --help         this help`;

const DATA_SETS = ['spirals', 'blobs', 'circles', 'xor', 'fashion-mnist'] as const;

export async function trainCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgsOrUsage(args);
  if (values.help) {
    out.text(trainHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`caviar train takes options only, got '${positionals[0]}'\n\n${trainHelp}`);
  const data = values.data ?? 'spirals';
  if (!(DATA_SETS as readonly string[]).includes(data)) {
    throw new UsageError(`--data: unknown data set '${data}'; expected one of ${DATA_SETS.join(', ')}`);
  }
  const fashion = data === 'fashion-mnist';
  const seed = integer('--seed', values.seed, 1, 0);
  const epochs = integer('--epochs', values.epochs, fashion ? 10 : 30, 1);
  const batchSize = integer('--batch-size', values['batch-size'], fashion ? 128 : 32, 1);
  const lr = number('--lr', values.lr, fashion ? 0.001 : 0.01);
  const optimizerType = values.optimizer ?? 'adam';
  if (!(OPTIMIZER_TYPES as readonly string[]).includes(optimizerType)) {
    throw new UsageError(`--optimizer: unknown optimizer '${optimizerType}'; expected one of ${OPTIMIZER_TYPES.join(', ')}`);
  }
  const hidden = (values.hidden ?? (fashion ? '256,128' : '64,64')).split(',').map((s, i) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--hidden: size ${i + 1} is '${s}', expected a positive integer`);
    return n;
  });
  const outPath = values.out ?? 'caviar-out/model.safetensors';

  const { train, dev, test, description } = loadData(data, seed);
  const useBatchNorm = !values['no-batch-norm'];
  const layers: LayerConfig[] = hidden.flatMap((units) =>
    useBatchNorm ? [dense(units, { bias: false }), batchNorm(), relu()] : [dense(units), relu()],
  );
  layers.push(dense(train.classes));
  const model = new Sequential({ inputSize: train.features, layers }, { seed });
  out.event('start', {
    data: description, train: train.count, dev: dev.count, test: test.count,
    architecture: [train.features, ...hidden, train.classes].join('-') + (useBatchNorm ? ' with batch norm' : ''),
    optimizer: optimizerType, learningRate: lr, epochs, batchSize, backend: model.backend.name,
  }, `Training a ${[train.features, ...hidden, train.classes].join('-')} network${useBatchNorm ? ' with batch norm' : ''} on ${description}\n` +
    `  ${train.count} train / ${dev.count} dev / ${test.count} test examples, ${optimizerType} lr ${lr}, batch ${batchSize}, ${epochs} epochs, ${model.backend.name} backend`);

  const history = await model.fit(train.x, train.y, {
    epochs, batchSize, seed,
    optimizer: { type: optimizerType, learningRate: lr } as OptimizerConfig,
    normalizeInputs: true,
    validation: { x: dev.x, y: dev.y },
    hooks: {
      onEpochEnd: ({ metrics: m }) => {
        out.event('epoch', { ...m }, `epoch ${String(m.epoch).padStart(String(epochs).length)}/${epochs}  ` +
          `loss ${m.loss.toFixed(4)}  acc ${pct(m.accuracy)}  dev loss ${m.devLoss!.toFixed(4)}  dev acc ${pct(m.devAccuracy!)}  ` +
          `${Math.round(m.samplesPerSecond)} samples/s`);
      },
    },
  });
  if (history.stopReason) out.event('stopped', { reason: history.stopReason }, `stopped: ${history.stopReason}`);
  const result = model.evaluate(test.x, test.y);
  saveModel(model, outPath, { data, hidden: hidden.join(','), seed: String(seed) });
  out.event('done', { testLoss: result.loss, testAccuracy: result.accuracy, model: outPath },
    `test loss ${result.loss.toFixed(4)}  test accuracy ${pct(result.accuracy)}\nmodel saved to ${outPath}`);
  return history.stopReason?.startsWith('training diverged') ? 1 : 0;
}

function loadData(name: string, seed: number): { train: Dataset; dev: Dataset; test: Dataset; description: string } {
  if (name === 'fashion-mnist') {
    const full = loadFashionMnist({ split: 'train' });
    const test = loadFashionMnist({ split: 'test' });
    const { train, dev } = splitDataset(full, { dev: 5000, seed });
    return { train, dev, test, description: 'Fashion-MNIST' };
  }
  const generated =
    name === 'blobs' ? blobs({ classes: 4, perClass: 300, features: 2, seed })
    : name === 'circles' ? circles({ perClass: 400, noise: 0.1, seed })
    : name === 'xor' ? xor({ perClass: 400, noise: 0.15, seed })
    : spirals({ classes: 3, perClass: 400, seed });
  const { train, dev, test } = splitDataset(generated, { dev: 0.15, test: 0.15, seed });
  return { train, dev, test, description: `the built-in ${name} data set (${generated.classes} classes, generated with seed ${seed})` };
}

function parseArgsOrUsage(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        data: { type: 'string' }, hidden: { type: 'string' }, 'no-batch-norm': { type: 'boolean' },
        epochs: { type: 'string' }, 'batch-size': { type: 'string' }, optimizer: { type: 'string' },
        lr: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${trainHelp}`);
  }
}

function integer(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag}: expected an integer >= ${min}, got '${value}'`);
  return n;
}

function number(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a positive number, got '${value}'`);
  return n;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
