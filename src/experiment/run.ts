/**
 * One training run of an experiment: build the model from the settings (with
 * a trial's hyperparameters applied), train it on the train split, watch the
 * dev split every epoch, and measure the test split at the end.
 */
import { Sequential } from '../nn/model.js';
import type { FitHooks, History } from '../train/fit.js';
import type { Evaluation } from '../train/evaluate.js';
import type { Splits } from './data.js';
import { layersFor, optimizerFor, scheduleFor, type RunSettings } from './settings.js';

export interface RunResult {
  model: Sequential;
  history: History;
  dev: Evaluation;
  test: Evaluation;
}

/** @example const { model, test } = await trainRun(settings, loadSplits(exp.data, exp.seed), exp.seed); */
export async function trainRun(settings: RunSettings, data: Splits, seed: number, hooks: FitHooks[] = []): Promise<RunResult> {
  const classes = data.train.classes;
  const model = new Sequential({ inputSize: data.train.features, layers: layersFor(settings, classes) }, { seed });
  if (model.classes !== classes) {
    throw new RangeError(`model.layers: the last layer has ${model.loss.outputs} units, the data has ${classes} classes`);
  }
  const schedule = scheduleFor(settings);
  const history = await model.fit(data.train.x, data.train.y, {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    seed,
    optimizer: optimizerFor(settings),
    ...(schedule ? { schedule } : {}),
    normalizeInputs: settings.normalizeInputs,
    ...(data.dev.count > 0 ? { validation: { x: data.dev.x, y: data.dev.y } } : {}),
    hooks,
  });
  const dev = data.dev.count > 0 ? model.evaluate(data.dev.x, data.dev.y) : { loss: NaN, accuracy: NaN, count: 0 };
  const test = model.evaluate(data.test.x, data.test.y);
  return { model, history, dev, test };
}
