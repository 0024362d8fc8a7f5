/**
 * Training a finished trial's parameters again, for `caviar best`: as the
 * trial did (`retrainPlan`: its data, seed, epochs and best-epoch rule, so
 * the model comes out the same), or refit (`refitPlan`: on train + dev
 * together for the trial's best epoch count, the last step people usually
 * do by hand once dev has done its job of choosing the parameters).
 */
import { concat, subset } from '../data/split.js';
import type { FrozenTrial } from '../tune/types.js';
import type { Splits } from './data.js';
import { applyParams } from './params.js';
import { devMetric, type KeepBest } from './run.js';
import type { RunSettings } from './settings.js';
import type { Experiment } from './spec.js';

export interface TrainingPlan {
  readonly settings: RunSettings;
  readonly data: Splits;
  readonly keepBest?: KeepBest;
  /** For people: what it trains on. */
  readonly description: string;
}

/** The epochs the trial trained: its curves (a trial stopped by a deadline trains fewer than the settings say). */
function epochsRun(trial: FrozenTrial, settings: RunSettings): number {
  const curves = trial.userAttrs.curves;
  return Array.isArray(curves) && curves.length > 0 ? Math.min(curves.length, settings.epochs) : settings.epochs;
}

/**
 * The trial's own training again.
 *
 * @example const plan = retrainPlan(exp, study.bestTrial, loadSplits(exp.data, exp.seed));
 */
export function retrainPlan(exp: Experiment, trial: FrozenTrial, splits: Splits): TrainingPlan {
  const settings = applyParams(exp.settings, trial.params);
  settings.epochs = epochsRun(trial, settings);
  const tune = exp.tune;
  const keepBest = tune && tune.epoch === 'best' ? { metricOf: devMetric(tune.metric), direction: tune.direction } : undefined;
  return { settings, data: splits, ...(keepBest ? { keepBest } : {}), description: splits.description };
}

/**
 * The trial's parameters on train + dev together, for the epochs that were
 * best on dev (its recorded `bestEpoch`, else the epochs it ran); no dev set
 * is left to pick an epoch, so the last one is kept.
 *
 * @example refitPlan(exp, best, splits).data.train.count; // train + dev examples
 */
export function refitPlan(exp: Experiment, trial: FrozenTrial, splits: Splits): TrainingPlan {
  const settings = applyParams(exp.settings, trial.params);
  const bestEpoch = trial.userAttrs.bestEpoch;
  settings.epochs = typeof bestEpoch === 'number' && Number.isInteger(bestEpoch) && bestEpoch >= 1 ? bestEpoch : epochsRun(trial, settings);
  const train = splits.dev.count > 0 ? concat(splits.train, splits.dev) : splits.train;
  const data: Splits = { train, dev: subset(splits.dev, []), test: splits.test, description: splits.description };
  return { settings, data, description: `${splits.description}, train + dev (${train.count} examples)` };
}
