/**
 * The tuner's objective for an experiment: draw the trial's hyperparameters
 * from the experiment's space (or the built-in one, sized to the budget),
 * train, report the dev metric after every epoch so pruners can stop bad
 * trials early, save the trial's model, and return the dev metric.
 *
 * It runs in the main thread or in a worker thread (`experimentObjective` is
 * the module export the executor calls there, with the experiment as its
 * second argument); each thread loads the data once and keeps it.
 */
import { join } from 'node:path';
import { saveModel } from '../io/model-file.js';
import { parseSpace, sampleSpace, type Space } from '../tune/space/declarative.js';
import { TrialPruned, type Trial } from '../tune/trial.js';
import { loadSplits, type Splits } from './data.js';
import { applyParams, defaultSpace } from './params.js';
import { trainRun } from './run.js';
import { parseExperiment, type Experiment } from './spec.js';

/** What crosses to a worker thread: the file's parsed contents and its name. */
export interface ExperimentArgs {
  raw: unknown;
  source: string;
}

/** The search space a tuning run of `exp` explores. */
export function experimentSpace(exp: Experiment): Space {
  const tune = exp.tune;
  if (!tune) throw new RangeError(`${exp.source}: has no 'tune' section to search`);
  return parseSpace(tune.space ?? defaultSpace(tune.trials, exp.settings), `${exp.source}: tune.space`);
}

const cache = new Map<string, { exp: Experiment; data: Splits; space: Space }>();

function prepared(args: ExperimentArgs) {
  const key = JSON.stringify(args);
  let entry = cache.get(key);
  if (!entry) {
    const exp = parseExperiment(args.raw, args.source);
    entry = { exp, data: loadSplits(exp.data, exp.seed), space: experimentSpace(exp) };
    cache.set(key, entry);
  }
  return entry;
}

/**
 * Trains one trial of an experiment and returns its dev metric.
 *
 * @example
 *   await study.optimize((trial) => experimentObjective(trial, { raw, source: 'exp.yaml' }), { nTrials: 20 });
 */
export async function experimentObjective(trial: Trial, args: ExperimentArgs): Promise<number> {
  const { exp, data, space } = prepared(args);
  const tune = exp.tune!;
  const params = sampleSpace(trial, space);
  const settings = applyParams(exp.settings, params);
  const metricOf = (m: { devAccuracy?: number; devLoss?: number }) => (tune.metric === 'devLoss' ? m.devLoss : m.devAccuracy);
  let pruned = false;
  const result = await trainRun(settings, data, exp.seed, [{
    onEpochEnd: ({ metrics, control }) => {
      const value = metricOf(metrics);
      if (value === undefined || !Number.isFinite(value)) return;
      trial.report(value, metrics.epoch);
      if (trial.shouldPrune()) {
        pruned = true;
        control.stop(`pruned at epoch ${metrics.epoch}`);
      }
    },
  }]);
  const { history } = result;
  trial.setUserAttr('curves', history.epochs.map((e) => ({
    epoch: e.epoch, loss: e.loss, accuracy: e.accuracy, devLoss: e.devLoss ?? null, devAccuracy: e.devAccuracy ?? null,
  })));
  if (pruned) throw new TrialPruned(history.stopReason);
  if (history.stopReason) throw new Error(history.stopReason);
  const modelPath = join(exp.output, 'trials', `trial-${trial.number}.safetensors`);
  saveModel(result.model, modelPath, {
    experiment: exp.name, trial: String(trial.number), params: JSON.stringify(params),
    ...(data.train.classNames ? { classNames: JSON.stringify(data.train.classNames) } : {}),
  });
  trial.setUserAttr('model', modelPath);
  trial.setUserAttr('testAccuracy', result.test.accuracy);
  trial.setUserAttr('testLoss', result.test.loss);
  trial.setUserAttr('trainSeconds', history.epochs.reduce((s, e) => s + e.seconds, 0));
  return tune.metric === 'devLoss' ? result.dev.loss : result.dev.accuracy;
}

/** The export the executor calls in a worker thread. */
export const objective = experimentObjective;
