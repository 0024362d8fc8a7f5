/**
 * `caviar train [EXPERIMENT]`: trains one model, prints loss and accuracy per
 * epoch and the test metrics, and saves the model. Without an experiment
 * file it trains an MLP on a built-in data set (no download needed); the
 * flags are turned into an experiment and checked the same way.
 */
import { dirname, join } from 'node:path';
import { loadSplits, prepareData } from '../experiment/data.js';
import { trainRun } from '../experiment/run.js';
import { layersFor } from '../experiment/settings.js';
import { experimentInputs, parseExperiment, readExperiment, type Experiment } from '../experiment/spec.js';
import { encodeModel } from '../io/model-file.js';
import { checkOutputFile, type OutputRule } from '../io/output-file.js';
import { writeFileAtomically } from '../util/atomic-write.js';
import { OPTIMIZER_TYPES } from '../optim/index.js';
import { checkWritableFolder, UsageError, type Output } from './output.js';
import { epochProgress, quietOutput } from './progress.js';
import { parseCommand } from './args.js';
import { command, helpText } from './command.js';

export const trainSpec = command({
  name: 'train',
  summary: 'train one network (an experiment file, or built-in data) and save it',
  usage: '[EXPERIMENT] [options]',
  about: `Trains a network and saves it. EXPERIMENT is a YAML or JSON experiment file
(see examples/ and docs/EXPERIMENTS.md); without one, an MLP (dense, batch
norm, ReLU, softmax) is trained on a built-in data set chosen with the
options --data to --seed, which apply only without an experiment file.`,
  options: {
    data: { type: 'string', choices: ['spirals', 'blobs', 'circles', 'xor', 'fashion-mnist'], doc: 'the built-in data set (default spirals); CSV and IDX files go in an experiment file' },
    hidden: { type: 'string', value: 'LIST', doc: 'hidden layer sizes, comma-separated (default 64,64; fashion-mnist 256,128)' },
    'no-batch-norm': { type: 'boolean', doc: 'no batch norm after the hidden dense layers' },
    epochs: { type: 'string', value: 'N', doc: 'passes over the training set (default 30; fashion-mnist 10)' },
    'batch-size': { type: 'string', value: 'N', doc: 'mini-batch size (default 32; fashion-mnist 128)' },
    optimizer: { type: 'string', choices: OPTIMIZER_TYPES, doc: 'the optimizer (default adam)' },
    lr: { type: 'string', value: 'RATE', doc: 'learning rate (default 0.01; fashion-mnist 0.001)' },
    seed: { type: 'string', value: 'N', doc: 'seed for data, initialization and shuffling (default 1)' },
    out: {
      type: 'string', value: 'PATH',
      doc: 'where to save the model (default: caviar-out/model.safetensors, or <output>/model.safetensors for an experiment). ' +
        'An existing caviar model there is replaced; a study file, the experiment or its data, or a folder never is',
    },
    force: { type: 'boolean', doc: 'replace the --out file even when it is not a caviar model' },
    quiet: { type: 'boolean', short: 'q', doc: 'print only the final result' },
  },
  notes: `On a terminal a bar shows the batches of the running epoch; piped output
gets one plain line per epoch.`,
  exits: '0 trained and saved; 1 the training diverged (nothing saved); 2 bad usage, a problem in the experiment file or its data, or --out refused',
  examples: ['caviar train --data circles --epochs 20 --out circles.safetensors', 'caviar train examples/quickstart.yaml'],
});

const trainHelp = helpText(trainSpec);

const FLAG_ONLY = ['data', 'hidden', 'no-batch-norm', 'epochs', 'batch-size', 'optimizer', 'lr', 'seed'] as const;

export async function trainCommand(args: string[], shown: Output): Promise<number> {
  const { values, positionals } = parseTrainArgs(args);
  const out = values.quiet ? quietOutput(shown) : shown;
  if (values.help) {
    out.text(trainHelp);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected at most one EXPERIMENT file, got ${positionals.length}: caviar train ${trainSpec.usage}`);
  let exp: Experiment;
  let modelPath: string;
  if (positionals.length === 1) {
    const clash = FLAG_ONLY.find((f) => values[f] !== undefined);
    if (clash) throw new UsageError(`--${clash} only applies without an experiment file; set it in ${positionals[0]} instead`);
    exp = readExperiment(positionals[0]);
    modelPath = values.out ?? join(exp.output, 'model.safetensors');
  } else {
    exp = experimentFromFlags(values);
    modelPath = values.out ?? 'caviar-out/model.safetensors';
  }
  // Before any work: a model that cannot be saved is an hour lost.
  const rule: OutputRule = {
    flag: values.out !== undefined ? '--out' : 'the model path', kind: 'model', force: Boolean(values.force),
    inputs: positionals.length ? experimentInputs(exp) : [],
  };
  checkOutputFile(modelPath, rule);
  checkWritableFolder(dirname(modelPath), values.out ? 'the --out folder' : positionals.length ? 'the output folder (output: in the experiment file)' : 'the output folder');
  await prepareData(exp.data, (name, url) => out.event('download', { name, url }, `Downloading ${name} from ${url} (once, into the cache)`));
  const data = loadSplits(exp.data, exp.seed);
  const s = exp.settings;
  const shape = s.layers ? `${s.layers.length}-layer` : [data.train.features, ...s.hidden, data.train.classes].join('-');
  const norm = !s.layers && s.batchNorm ? ' with batch norm' : '';
  out.event('start', {
    experiment: exp.name, data: data.description, train: data.train.count, dev: data.dev.count, test: data.test.count,
    layers: layersFor(s, data.train.classes), optimizer: s.optimizer, learningRate: s.learningRate, epochs: s.epochs, batchSize: s.batchSize,
  }, `Training a ${shape} network${norm} on ${data.description}\n` +
    `  ${data.train.count} train / ${data.dev.count} dev / ${data.test.count} test examples, ` +
    `${s.optimizer} lr ${s.learningRate}, batch ${s.batchSize}, ${s.epochs} epochs`);
  const width = String(s.epochs).length;
  const result = await trainRun(s, data, exp.seed, [...(out.progress ? [epochBar(out.progress, s.epochs, s.batchSize, data.train.count)] : []), {
    onEpochEnd: ({ metrics: m }) => {
      const dev = m.devLoss === undefined ? '' : `  dev loss ${m.devLoss.toFixed(4)}  dev acc ${pct(m.devAccuracy!)}`;
      out.event('epoch', { ...m }, `epoch ${String(m.epoch).padStart(width)}/${s.epochs}  loss ${m.loss.toFixed(4)}  acc ${pct(m.accuracy)}${dev}  ` +
        `${Math.round(m.samplesPerSecond)} samples/s`);
    },
  }]);
  const { history, test } = result;
  if (history.stopReason) out.event('stopped', { reason: history.stopReason }, `stopped: ${history.stopReason}`);
  // A diverged network is NaN through and through: saving it could only replace a good model with a useless one.
  if (history.stopReason?.startsWith('training diverged')) {
    out.event('done', { testLoss: null, testAccuracy: null, model: null }, `no model saved: the training diverged (${modelPath} is untouched)`);
    return 1;
  }
  const bytes = encodeModel(result.model, {
    experiment: exp.name, data: exp.data.source, seed: String(exp.seed),
    ...(data.train.classNames ? { classNames: JSON.stringify(data.train.classNames) } : {}),
  });
  checkOutputFile(modelPath, rule); // again: training took a while, and the path may have changed meanwhile
  writeFileAtomically(modelPath, bytes);
  out.event('done', { testLoss: test.loss, testAccuracy: test.accuracy, model: modelPath },
    `test loss ${test.loss.toFixed(4)}  test accuracy ${pct(test.accuracy)}\nmodel saved to ${modelPath}`);
  return 0;
}

/** Hooks that redraw the epoch bar: batch k of N, the mean loss so far, samples per second. */
function epochBar(progress: (text: string) => void, epochs: number, batchSize: number, count: number) {
  let lossSum = 0;
  let started = performance.now();
  return {
    onBatchEnd: (b: { epoch: number; batch: number; batches: number; loss: number }) => {
      lossSum += b.loss;
      const done = b.batch + 1;
      const seconds = (performance.now() - started) / 1000;
      const samples = Math.min(done * batchSize, count);
      progress(epochProgress({ epoch: b.epoch, epochs, batch: done, batches: b.batches, loss: lossSum / done, samplesPerSecond: seconds > 0 ? samples / seconds : 0 }));
    },
    onEpochEnd: () => {
      progress(''); // the epoch's permanent line replaces its bar
      lossSum = 0;
      started = performance.now();
    },
  };
}

/** The flags as an experiment, validated by the same rules as a file. */
function experimentFromFlags(values: ReturnType<typeof parseTrainArgs>['values']): Experiment {
  const source = values.data ?? 'spirals';
  const fashion = source === 'fashion-mnist';
  const num = (v: string | undefined) => (v === undefined ? undefined : v.trim() === '' ? NaN : Number(v));
  const raw = {
    name: 'train',
    seed: num(values.seed) ?? 1,
    data: fashion ? { source } : { source, perClass: 400 },
    model: {
      hidden: (values.hidden ?? (fashion ? '256,128' : '64,64')).split(',').map((v) => (v.trim() === '' ? NaN : Number(v))),
      batchNorm: !values['no-batch-norm'],
    },
    train: {
      epochs: num(values.epochs) ?? (fashion ? 10 : 30),
      batchSize: num(values['batch-size']) ?? (fashion ? 128 : 32),
      optimizer: values.optimizer ?? 'adam',
      learningRate: num(values.lr) ?? (fashion ? 0.001 : 0.01),
    },
  };
  try {
    return parseExperiment(raw, 'options');
  } catch (err) {
    // Name the flags rather than the fields they became.
    const flags: Record<string, string> = {
      'data.source': '--data', 'model.hidden': '--hidden', 'train.epochs': '--epochs', 'train.batchSize': '--batch-size',
      'train.optimizer': '--optimizer', 'train.learningRate': '--lr', seed: '--seed',
    };
    const problems = ((err as { problems?: string[] }).problems ?? [(err as Error).message]).map((p) => {
      for (const [field, flag] of Object.entries(flags)) if (p.startsWith(field)) return flag + p.slice(field.length);
      return p;
    });
    throw new UsageError(problems.join('\n'));
  }
}


function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function parseTrainArgs(args: string[]) {
  return parseCommand(args, trainSpec);
}
