/**
 * The training loop: shuffled mini-batches, epochs, per-epoch loss and
 * accuracy (and on a dev set when given), learning-rate schedules, and hooks
 * after each batch and epoch through which a tuner or a person can read the
 * metrics, change the learning rate, or stop. Seeded end to end.
 */
import type { Network } from '../nn/network.js';
import { Adam } from '../optim/adam.js';
import { createOptimizer } from '../optim/index.js';
import type { Optimizer, OptimizerConfig } from '../optim/optimizer.js';
import { createSchedule, type Schedule, type ScheduleConfig } from '../optim/schedules.js';
import { Rng } from '../util/rng.js';
import { checkBatchSize, evaluate } from './evaluate.js';
import { Normalizer } from '../data/normalize.js';
import { BatchGatherer, normalizeExamples, toExamples, toLabels, type Inputs, type Labels } from './inputs.js';

export interface EpochMetrics {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training cost over the epoch's mini-batches (weighted by batch size), as seen while training. */
  loss: number;
  /** Training accuracy over the epoch, from the same forward passes. */
  accuracy: number;
  devLoss?: number;
  devAccuracy?: number;
  /** Learning rate used during this epoch (the last one, if a hook changed it). */
  learningRate: number;
  seconds: number;
  samplesPerSecond: number;
}

export interface History {
  epochs: EpochMetrics[];
  /** Why training ended early, if it did (a hook's reason, or divergence). */
  stopReason?: string;
}

/** What hooks may do to a running fit. */
export interface FitControl {
  readonly learningRate: number;
  /**
   * Sets the learning rate from the next step on. It overrides the schedule
   * for the rest of the run: a person's (or a tuner's) decision wins.
   */
  setLearningRate(lr: number): void;
  /** Ends training after the current batch; `fit` returns normally with `stopReason`. */
  stop(reason?: string): void;
  /** The optimizer in use: change its other hyperparameters with `optimizer.adjust`, checkpoint its state. */
  readonly optimizer: Optimizer;
  /** The last epoch training will run (the `epochs` option, unless changed). */
  readonly epochs: number;
  /** Trains until epoch `epochs` instead (more or fewer); at least the current epoch is finished. */
  setEpochs(epochs: number): void;
  readonly batchSize: number;
  /** Uses mini-batches of this size from the next epoch on. */
  setBatchSize(batchSize: number): void;
}

/** Passed to `onBatchEnd`. The same object is reused for every batch: copy what you keep. */
export interface BatchInfo {
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  batches: number;
  loss: number;
  model: Network;
  control: FitControl;
}

export interface EpochInfo {
  metrics: EpochMetrics;
  history: History;
  model: Network;
  control: FitControl;
}

export interface FitHooks {
  onBatchEnd?(info: BatchInfo): void | Promise<void>;
  onEpochEnd?(info: EpochInfo): void | Promise<void>;
}

export interface FitOptions {
  /** The last epoch to train (1-based). Default 10. */
  epochs?: number;
  /**
   * Epochs already done, when training resumes from a checkpoint: the first
   * epoch run is `initialEpoch + 1`, and schedules see the true epoch number.
   * Default 0.
   */
  initialEpoch?: number;
  /** Default 32. */
  batchSize?: number;
  /** Shuffle the examples each epoch. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffling. Default: the model's seed. */
  seed?: number;
  /** An optimizer or its config. Default Adam with learning rate 0.001. */
  optimizer?: Optimizer | OptimizerConfig;
  /** Learning-rate decay over epochs, from the optimizer's learning rate. */
  schedule?: Schedule | ScheduleConfig;
  /** Evaluated after every epoch, in eval mode. */
  validation?: { x: Inputs; y: Labels };
  /**
   * Fit the input normalization (per-feature mean and standard deviation) on
   * this training data and store it in the model, so every later input is
   * normalized the same way. Default false.
   */
  normalizeInputs?: boolean | Normalizer;
  /**
   * `x` already normalized with the `Normalizer` given as `normalizeInputs`
   * (what `normalizeRows(x, Float32Array.from(mean), Float32Array.from(std), dtype)`
   * gives): `fit` trains on it instead of making that copy again. A tuner
   * training many models on one data set computes it once.
   */
  normalizedInputs?: Float32Array | Float64Array;
  hooks?: FitHooks | readonly FitHooks[];
}

/**
 * Trains `model` on (x, y).
 *
 * @example
 *   const history = await fit(model, x, y, {
 *     epochs: 10, batchSize: 128, optimizer: { type: 'adam', learningRate: 0.001 },
 *     validation: { x: xDev, y: yDev },
 *     hooks: { onEpochEnd: ({ metrics }) => console.log(metrics.epoch, metrics.loss) },
 *   });
 */
export async function fit(model: Network, x: Inputs, y: Labels, options: FitOptions = {}): Promise<History> {
  let epochs = options.epochs ?? 10;
  let batchSize = options.batchSize ?? 32;
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new RangeError(`initialEpoch must be an integer >= 0, got ${initialEpoch}`);
  checkBatchSize(batchSize);
  const ex = toExamples(x, model.inputSize, 'x');
  const labels = toLabels(y, ex.count, model.classes, 'y');
  const validation = options.validation
    ? (() => {
        const v = toExamples(options.validation.x, model.inputSize, 'validation x');
        return { x: v, y: toLabels(options.validation.y, v.count, model.classes, 'validation y') };
      })()
    : null;
  const hasBatchNorm = model.layers.some((l) => l.type === 'batchNorm');
  if (hasBatchNorm && ex.count < 2) {
    throw new RangeError('x: batch norm needs at least 2 training examples (a batch of one has no variance)');
  }
  if (options.normalizeInputs) {
    model.setInputNormalization(options.normalizeInputs instanceof Normalizer ? options.normalizeInputs : Normalizer.fit(ex));
  }
  const given = options.normalizedInputs;
  if (given) {
    if (!(options.normalizeInputs instanceof Normalizer)) throw new TypeError('normalizedInputs needs the Normalizer it was made with as normalizeInputs');
    const dtypeOk = model.dtype === 'float64' ? given instanceof Float64Array : given instanceof Float32Array;
    if (!dtypeOk || given.length !== ex.x.length) {
      throw new RangeError(`normalizedInputs: expected ${ex.x.length} ${model.dtype} values (x normalized), got ${given.length} in a ${given.constructor.name}`);
    }
  }

  const optimizer = !options.optimizer
    ? new Adam()
    : 'step' in options.optimizer
      ? options.optimizer
      : createOptimizer(options.optimizer);
  const a0 = optimizer.learningRate;
  const schedule = options.schedule
    ? typeof options.schedule === 'function'
      ? options.schedule
      : createSchedule(options.schedule, a0)
    : null;
  const hooks = options.hooks ? (Array.isArray(options.hooks) ? options.hooks : [options.hooks as FitHooks]) : [];

  let manualRate: number | null = null;
  let stopReason: string | undefined;
  const control: FitControl = {
    get learningRate() {
      return optimizer.learningRate;
    },
    setLearningRate(lr: number) {
      if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`learning rate must be a positive number, got ${lr}`);
      manualRate = lr;
      optimizer.learningRate = lr;
    },
    stop(reason = 'stopped by a hook') {
      stopReason = reason;
    },
    optimizer,
    get epochs() {
      return epochs;
    },
    setEpochs(n: number) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`epochs must be a positive integer, got ${n}`);
      epochs = n;
    },
    get batchSize() {
      return batchSize;
    },
    setBatchSize(n: number) {
      checkBatchSize(n);
      batchSize = n;
    },
  };

  const rng = new Rng(options.seed ?? model.seed);
  const order = Int32Array.from({ length: ex.count }, (_, i) => i);
  const training = given ? { x: given, count: ex.count, features: ex.features } : normalizeExamples(model, ex);
  const gatherer = new BatchGatherer(model, { normalized: true });
  // A trailing batch of one example would break batch norm: fold it into the batch before.
  const batchesOf = (size: number): number => {
    const n = Math.ceil(ex.count / size);
    return hasBatchNorm && n > 1 && ex.count % size === 1 ? n - 1 : n;
  };
  const params = model.params().map((p) => p.param);
  const history: History = { epochs: [] };
  const batchInfo: BatchInfo = { epoch: 0, batch: 0, batches: 0, loss: 0, model, control };

  for (let epoch = initialEpoch + 1; epoch <= epochs && stopReason === undefined; epoch++) {
    // Read once per epoch: a hook may change the batch size for the next one.
    const size = batchSize;
    const batches = batchesOf(size);
    batchInfo.batches = batches;
    if (schedule && manualRate === null) optimizer.learningRate = schedule(epoch);
    if (options.shuffle ?? true) rng.shuffle(order);
    const started = performance.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < batches && stopReason === undefined; b++) {
      const start = b * size;
      const end = b === batches - 1 ? ex.count : start + size;
      const x = gatherer.gather(training, labels, order, start, end);
      const loss = model.computeGradients(x, gatherer.labels);
      if (!Number.isFinite(loss)) {
        stopReason = `training diverged: the loss became ${loss} at epoch ${epoch}, batch ${b + 1}; try a smaller learning rate`;
        lossSum = NaN;
        break;
      }
      optimizer.step(params, model.backend);
      const m = end - start;
      lossSum += loss * m;
      correct += model.backend.countCorrect(model.loss.lastProbabilities(m), gatherer.labels);
      seen += m;
      if (hooks.length > 0) {
        // One info object, updated in place: a training step allocates nothing.
        batchInfo.epoch = epoch;
        batchInfo.batch = b;
        batchInfo.loss = loss;
        for (const h of hooks) {
          if (h.onBatchEnd) {
            const r = h.onBatchEnd(batchInfo);
            if (r) await r;
          }
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const metrics: EpochMetrics = {
      epoch,
      loss: seen > 0 ? lossSum / seen : NaN,
      accuracy: seen > 0 ? correct / seen : NaN,
      learningRate: optimizer.learningRate,
      seconds,
      samplesPerSecond: seconds > 0 ? seen / seconds : 0,
    };
    if (validation && Number.isFinite(metrics.loss)) {
      const dev = evaluate(model, validation.x.x, validation.y, {});
      metrics.devLoss = dev.loss;
      metrics.devAccuracy = dev.accuracy;
    }
    history.epochs.push(metrics);
    for (const h of hooks) {
      if (h.onEpochEnd) {
        const r = h.onEpochEnd({ metrics, history, model, control });
        if (r) await r;
      }
    }
    // Let timers and I/O (progress output, dashboards, tuner heartbeats) run between epochs.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (stopReason !== undefined) history.stopReason = stopReason;
  return history;
}
