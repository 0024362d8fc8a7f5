/**
 * The tuner's objective for an experiment: draw the trial's hyperparameters
 * from the experiment's space (or the built-in one, sized to the budget),
 * train, report the dev metric after every epoch so pruners can stop bad
 * trials early, save the trial's model in its study's folder, and return the
 * dev metric. The model and the value are those of the trial's best epoch
 * (`tune.epoch: best`, the default) or its last (`tune.epoch: last`).
 *
 * It runs in the main thread or in a worker thread (`experimentObjective` is
 * the module export the executor calls there, with the experiment as its
 * second argument); each thread loads the data once and keeps it.
 */
import { statSync } from 'node:fs';
import { encodeModel, saveModel } from '../io/model-file.js';
import { Sequential } from '../nn/model.js';
import { checkOutputFile } from '../io/output-file.js';
import { parseSpace, sampleSpace, type Space } from '../tune/space/declarative.js';
import { pbtSegment } from '../tune/pbt.js';
import { TrialPruned, type Trial } from '../tune/trial.js';
import { DeadlineStop, minimumEpochs } from './budget.js';
import { loadSplits, type Splits } from './data.js';
import { applyParams, defaultSpace } from './params.js';
import { Steering } from './live.js';
import { devMetric, trainRun, type RunStart } from './run.js';
import { parseExperiment, type Experiment } from './spec.js';
import { trialModelMetadata, trialModelPath, type StudyIdentity } from './trial-model.js';
import { describeConstraint, inferenceLatencyMs, SHAPE_MEASURES, TrialScoring, type Measured } from './measures.js';
import { layersFor, type RunSettings } from './settings.js';

/**
 * What crosses to a worker thread: the file's parsed contents and its name,
 * and the study the trials belong to (`studyIdentity(study)`), whose folder
 * receives their models.
 */
export interface ExperimentArgs {
  raw: unknown;
  source: string;
  study: StudyIdentity;
  /**
   * When the study's time budget ends (ms since the epoch, `Date.now()`'s
   * clock): trials stop there (see budget.ts). Absent: no deadline.
   */
  deadline?: number;
}

/** The search space a tuning run of `exp` explores. */
export function experimentSpace(exp: Experiment): Space {
  const tune = exp.tune;
  if (!tune) throw new RangeError(`${exp.source}: has no 'tune' section to search`);
  return parseSpace(tune.space ?? defaultSpace(tune.trials, exp.settings), `${exp.source}: tune.space`);
}

const cache = new Map<string, { exp: Experiment; data: Splits; space: Space }>();

function prepared(args: ExperimentArgs) {
  const key = JSON.stringify([args.raw, args.source]);
  let entry = cache.get(key);
  if (!entry) {
    const exp = parseExperiment(args.raw, args.source);
    entry = { exp, data: loadSplits(exp.data, exp.seed), space: experimentSpace(exp) };
    cache.set(key, entry);
  }
  return entry;
}

/**
 * Trains one trial of an experiment and returns its dev metric; its model is
 * saved in the study's folder (`trialModelPath`) and records the study and trial.
 *
 * @example
 *   const study = await createStudy({ name: 'exp', storage: 'out/study.db', direction: 'maximize' });
 *   const args = { raw, source: 'exp.yaml', study: await studyIdentity(study) };
 *   await study.optimize((trial) => experimentObjective(trial, args), { nTrials: 20 });
 */
export async function experimentObjective(trial: Trial, args: ExperimentArgs): Promise<number | number[]> {
  const study = args.study as StudyIdentity | undefined;
  if (typeof study?.name !== 'string' || typeof study.uid !== 'string') {
    // Without it, models of two studies would share one folder and overwrite each other.
    throw new TypeError(`experimentObjective(trial, args): args.study must be the study's { name, uid } (from studyIdentity(study)), got ${JSON.stringify(args.study)}`);
  }
  const { exp, data, space } = prepared(args);
  const tune = exp.tune!;
  const params = sampleSpace(trial, space);
  const settings = applyParams(exp.settings, params);
  // A population member's segment trains until its step, then leaves a checkpoint for the next segment.
  const segment = pbtSegment({ systemAttrs: trial.live.systemAttrs });
  if (segment) settings.epochs = segment.untilStep;
  const metricOf = devMetric(tune.metric);
  const scoring = new TrialScoring(tune.objectives, tune.constraints);
  // Size and latency depend on the model's shape alone: measured once, before training, so every epoch can report them.
  const shape = scoring.needsShape ? measureShape(settings, data, exp.seed, scoring) : {};
  const start = await startOf(trial);
  const steering = new Steering(trial, {
    checkpointEvery: tune.checkpointEvery, keepCheckpoints: tune.keepCheckpoints, metricOf, checkpointAtEnd: segment !== undefined,
  });
  // Why the pruner stopped the trial (the time budget may stop the same epoch too; the pruner's word counts).
  let pruned: string | undefined;
  const curves: Curve[] = [];
  let secondsSoFar = 0;
  // A population segment is not cut: the next segment starts from the checkpoint it leaves after its last epoch.
  const clock = args.deadline === undefined || segment ? undefined : new DeadlineStop(args.deadline, minimumEpochs(tune.pruner, settings.epochs));
  // A population segment hands its last epoch on to the next one, so it keeps the last epoch whatever tune.epoch says.
  const keepBest = tune.epoch === 'best' && !segment ? { metricOf, direction: tune.direction } : undefined;
  const result = await trainRun(settings, data, exp.seed, [{
    onEpochEnd: ({ metrics, control }) => {
      // Every epoch, so the dashboard draws the curves while the trial trains.
      // JSON has no NaN or Infinity: a diverged epoch's loss is recorded as null.
      curves.push({
        epoch: metrics.epoch, loss: finite(metrics.loss), accuracy: finite(metrics.accuracy),
        devLoss: finite(metrics.devLoss), devAccuracy: finite(metrics.devAccuracy), learningRate: metrics.learningRate,
      });
      trial.setUserAttr('curves', curves);
      if (scoring.objectives.length > 1) {
        // One value per objective at this epoch: what the dominance pruner compares.
        secondsSoFar += metrics.seconds;
        const vector = scoring.values({ ...shape, devAccuracy: metrics.devAccuracy, devLoss: metrics.devLoss, trainSeconds: secondsSoFar });
        if (vector === undefined) return;
        trial.report(vector, metrics.epoch);
      } else {
        const value = metricOf(metrics);
        if (value === undefined || !Number.isFinite(value)) return;
        trial.report(value, metrics.epoch);
      }
      if (trial.shouldPrune()) {
        pruned = `pruned at epoch ${metrics.epoch}`;
        control.stop(pruned);
      }
    },
  }, steering.hooks, ...(clock ? [clock.hooks] : [])], start, keepBest);
  const { history } = result;
  const trainSeconds = history.epochs.reduce((s, e) => s + e.seconds, 0);
  // Recorded for pruned trials too: a timed study sizes its last trials by the seconds per epoch (budget.ts).
  trial.setUserAttr('trainSeconds', trainSeconds);
  if (pruned !== undefined) throw new TrialPruned(pruned);
  if (clock?.short) throw new TrialPruned(clock.reason);
  if (steering.stoppedAt !== undefined) trial.setUserAttr('stoppedAt', steering.stoppedAt);
  else if (clock?.cut) trial.setUserAttr('stopReason', clock.reason);
  // A run that diverged fails, even after a finite epoch: the weights before a NaN are typically
  // already absurd (losses of 1e27 were measured), not a model worth keeping.
  else if (history.stopReason) throw new Error(history.stopReason);
  if (result.bestEpoch !== undefined) trial.setUserAttr('bestEpoch', result.bestEpoch);
  // The study's own folder, and a file that records the study and trial: another study never overwrites it.
  const modelPath = trialModelPath(exp.output, study, trial.number);
  checkOutputFile(modelPath, { flag: `trial ${trial.number}'s model`, kind: 'model' });
  saveModel(result.model, modelPath, {
    experiment: exp.name, ...trialModelMetadata(study, trial.number, params),
    ...(data.train.classNames ? { classNames: JSON.stringify(data.train.classNames) } : {}),
  });
  trial.setUserAttr('model', modelPath);
  trial.setUserAttr('testAccuracy', result.test.accuracy);
  trial.setUserAttr('testLoss', result.test.loss);
  if (scoring.objectives.length === 1 && scoring.constraints.length === 0 && !scoring.needsShape) {
    return tune.metric === 'devLoss' ? result.dev.loss : result.dev.accuracy;
  }
  // The file as saved, not the estimate made before training.
  const measured: Measured = {
    ...shape,
    ...(scoring.needs('modelBytes') ? { modelBytes: statSync(modelPath).size } : {}),
    devAccuracy: result.dev.accuracy, devLoss: result.dev.loss, trainSeconds,
  };
  for (const m of SHAPE_MEASURES) if (measured[m] !== undefined) trial.setUserAttr(m, measured[m]);
  if (scoring.constraints.length > 0) {
    const values = scoring.constraintValues(measured);
    const missing = scoring.constraints.find((_, i) => !Number.isFinite(values[i]));
    if (missing) throw new Error(`constraint '${describeConstraint(missing)}': ${missing.measure} could not be measured (${measured[missing.measure]})`);
    trial.setConstraint(values);
  }
  const values = scoring.values(measured);
  if (values === undefined) throw new Error(`objectives ${scoring.objectives.join(', ')}: one could not be measured (${JSON.stringify(measured)})`);
  return values.length === 1 ? values[0] : values;
}

/**
 * The measures of a trial's model shape (parameters, saved bytes, latency in
 * the WebAssembly backend), from an untrained model of the same settings:
 * the same shape costs the same, whatever its weights.
 */
function measureShape(settings: RunSettings, data: Splits, seed: number, scoring: TrialScoring): Measured {
  const model = new Sequential({ inputSize: data.train.features, layers: layersFor(settings, data.train.classes) }, { seed });
  const from = data.dev.count > 0 ? data.dev : data.train;
  // Latency takes a few hundred milliseconds to measure well: only when an objective or constraint asks for it.
  return {
    ...(scoring.needs('paramCount') ? { paramCount: model.parameterCount } : {}),
    ...(scoring.needs('modelBytes') ? { modelBytes: encodeModel(model).length } : {}),
    ...(scoring.needs('inferenceMs') ? { inferenceMs: inferenceLatencyMs(model, from.x.subarray(0, from.features)) } : {}),
  };
}


/** One epoch of a trial's learning curves, as the `curves` attribute holds it. */
interface Curve {
  epoch: number;
  loss: number | null;
  accuracy: number | null;
  devLoss: number | null;
  devAccuracy: number | null;
  learningRate: number;
}

/** A metric as the curves record it: null when missing or not finite. */
function finite(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

/** The checkpoint a forked trial (or a population member) starts from, or undefined. */
async function startOf(trial: Trial): Promise<RunStart | undefined> {
  const origin = trial.live.origin;
  if (!origin) return undefined;
  const cp = await trial.live.loadCheckpoint(origin.checkpointId);
  return { checkpoint: cp.data, step: cp.step, source: `checkpoint ${cp.id} of trial ${cp.trialNumber}` };
}

/** The export the executor calls in a worker thread. */
export const objective = experimentObjective;
