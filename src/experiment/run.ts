/**
 * One training run of an experiment: build the model from the settings (with
 * a trial's hyperparameters applied), train it on the train split, watch the
 * dev split every epoch, and measure the test split at the end.
 */
import { Sequential } from '../nn/model.js';
import { createOptimizer } from '../optim/index.js';
import type { Optimizer } from '../optim/optimizer.js';
import { restoreCheckpoint } from '../train/checkpoint.js';
import { BestEpoch, type Direction } from '../train/best-epoch.js';
import type { EpochMetrics, FitHooks, History } from '../train/fit.js';
import type { Evaluation } from '../train/evaluate.js';
import { normalizedTrain, type Splits } from './data.js';
import { layersFor, optimizerFor, scheduleFor, type RunSettings } from './settings.js';

export interface RunResult {
  model: Sequential;
  optimizer: Optimizer;
  history: History;
  dev: Evaluation;
  test: Evaluation;
  /**
   * With `keepBest`: the epoch whose weights the model holds (the best dev
   * metric), and that metric; undefined when no epoch had a finite one.
   */
  bestEpoch?: number;
}

/**
 * The dev metric a tuning run reads of an epoch's metrics.
 *
 * @example devMetric('devLoss')({ devLoss: 0.3, devAccuracy: 0.9 }); // 0.3
 */
export function devMetric(metric: 'devAccuracy' | 'devLoss'): (m: { devAccuracy?: number; devLoss?: number }) => number | undefined {
  return metric === 'devLoss' ? (m) => m.devLoss : (m) => m.devAccuracy;
}

/** Keep the weights of the epoch with the best dev metric (see `BestEpoch`) instead of the last epoch's. */
export interface KeepBest {
  readonly metricOf: (m: EpochMetrics) => number | undefined;
  readonly direction: Direction;
}

/** Where a run starts when it does not start from scratch: a checkpoint's bytes and its step (epochs done). */
export interface RunStart {
  readonly checkpoint: Uint8Array;
  readonly step: number;
  /** For messages: `checkpoint 12 of trial 3`. */
  readonly source: string;
}

/**
 * @example const { model, test } = await trainRun(settings, loadSplits(exp.data, exp.seed), exp.seed);
 * @example await trainRun(settings, data, seed, hooks, { checkpoint, step: 4, source: 'checkpoint 7' }); // epochs 5.. from a checkpoint
 * @example await trainRun(settings, data, seed, [], undefined, { metricOf: (m) => m.devAccuracy, direction: 'maximize' }); // the best epoch's model
 */
export async function trainRun(
  settings: RunSettings, data: Splits, seed: number, hooks: FitHooks[] = [], start?: RunStart, keepBest?: KeepBest,
): Promise<RunResult> {
  const classes = data.train.classes;
  const model = new Sequential({ inputSize: data.train.features, layers: layersFor(settings, classes) }, { seed });
  if (model.classes !== classes) {
    throw new RangeError(`model.layers: the last layer has ${model.loss.outputs} units, the data has ${classes} classes`);
  }
  const schedule = scheduleFor(settings);
  const optimizer = createOptimizer(optimizerFor(settings));
  // Weights and moments from the checkpoint; the hyperparameters stay this run's own.
  if (start) restoreCheckpoint(start.checkpoint, model, optimizer, start.source);
  // Fitted and copied once per data set, not once per trial.
  const normalized = settings.normalizeInputs ? normalizedTrain(data.train) : undefined;
  const initialEpoch = start ? Math.min(Math.floor(start.step), settings.epochs) : 0;
  // Without a dev set there is no best epoch to find: the last one is kept.
  const best = keepBest && data.dev.count > 0 ? new BestEpoch(keepBest.metricOf, keepBest.direction) : undefined;
  const history = await model.fit(data.train.x, data.train.y, {
    epochs: settings.epochs,
    initialEpoch,
    batchSize: settings.batchSize,
    seed: seed + initialEpoch,
    optimizer,
    ...(schedule ? { schedule } : {}),
    ...(normalized ? { normalizeInputs: normalized.normalizer, normalizedInputs: normalized.x } : {}),
    ...(data.dev.count > 0 ? { validation: { x: data.dev.x, y: data.dev.y } } : {}),
    hooks: best ? [...hooks, best.hooks] : hooks,
  });
  best?.restore(model);
  const dev = data.dev.count > 0 ? model.evaluate(data.dev.x, data.dev.y) : { loss: NaN, accuracy: NaN, count: 0 };
  const test = model.evaluate(data.test.x, data.test.y);
  return { model, optimizer, history, dev, test, ...(best?.epoch !== undefined ? { bestEpoch: best.epoch } : {}) };
}
