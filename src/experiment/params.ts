/**
 * The hyperparameters a search space may name, how each one changes a run's
 * settings, and the built-in MLP space that follows the course's priorities:
 *
 *   1. the learning rate (log scale);
 *   2. momentum's beta (on the 1 - beta scale), the mini-batch size, the hidden units;
 *   3. the number of layers and the learning-rate decay;
 *   never: Adam's beta1, beta2 and eps (left at 0.9, 0.999, 1e-8).
 *
 * A budget rule widens the space only as the trial budget grows: with a
 * handful of trials only the learning rate is worth searching.
 */
import type { SpaceSpec } from '../tune/space/declarative.js';
import type { ParamValue } from '../tune/types.js';
import { checkValue } from './fields.js';
import { Problems } from './problems.js';
import { SETTINGS, type RunSettings, type SettingName } from './settings.js';

type Apply = (s: RunSettings, v: ParamValue) => string | null;

/** A one-value setting, checked by its rule in settings.ts, as the experiment file's value is. */
const setting = (name: SettingName): Apply => (s, v) => {
  const problems = new Problems();
  const value = checkValue(problems, '', v, SETTINGS[name].value);
  if (value === undefined) return problems.list[0];
  (s as unknown as Record<string, unknown>)[name] = value;
  return null;
};

/** Every tunable name and how it applies. Values out of their meaning (a negative rate) are refused. */
export const TUNABLE: Record<string, { describe: string; apply: Apply }> = {
  ...Object.fromEntries(
    (Object.keys(SETTINGS) as SettingName[])
      .filter((name) => !('tunable' in SETTINGS[name]))
      .map((name) => [name, { describe: SETTINGS[name].describe, apply: setting(name) }]),
  ),
  // The two that shape the hidden layers (the file's `model.hidden` list).
  hiddenUnits: {
    describe: 'the width of every hidden layer',
    apply: (s, v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return `expected a positive integer, got ${JSON.stringify(v)}`;
      s.hidden = s.hidden.map(() => v);
      return null;
    },
  },
  layers: {
    describe: 'the number of hidden layers',
    apply: (s, v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return `expected an integer >= 0, got ${JSON.stringify(v)}`;
      const width = s.hidden[0] ?? 64;
      s.hidden = Array.from({ length: v }, (_, i) => s.hidden[i] ?? width);
      return null;
    },
  },
};

export const TUNABLE_NAMES = Object.keys(TUNABLE);

/** Settings with a trial's parameters applied; throws naming the parameter if a value cannot apply. */
export function applyParams(base: RunSettings, params: Readonly<Record<string, ParamValue>>): RunSettings {
  const s: RunSettings = { ...base, hidden: [...base.hidden] };
  // `layers` first, so that `hiddenUnits` then sets the width of every layer.
  const names = Object.keys(params).sort((a, b) => (a === 'layers' ? -1 : b === 'layers' ? 1 : 0));
  for (const name of names) {
    const entry = TUNABLE[name];
    if (!entry) throw new RangeError(`parameter '${name}' is not a tunable setting; expected one of ${TUNABLE_NAMES.join(', ')}`);
    const problem = entry.apply(s, params[name]);
    if (problem) throw new RangeError(`parameter '${name}': ${problem}`);
  }
  return s;
}

/** The course's priorities as tiers of the built-in MLP space. */
export function defaultSpaceTiers(settings: Pick<RunSettings, 'optimizer'>): SpaceSpec[] {
  const tier2: Record<string, SpaceSpec[string]> = {
    batchSize: [32, 64, 128, 256],
    hiddenUnits: { type: 'int', low: 32, high: 512, scale: 'log' },
  };
  // Momentum's beta matters for momentum and RMSprop; Adam's betas stay at their defaults.
  if (settings.optimizer === 'momentum' || settings.optimizer === 'rmsprop') {
    tier2.beta = { type: 'float', low: 0.9, high: 0.999, scale: 'oneMinusBeta' };
  }
  return [
    { learningRate: { type: 'float', low: 1e-4, high: 1, scale: 'log' } },
    tier2,
    {
      layers: { type: 'int', low: 1, high: 4 },
      lrDecay: { type: 'float', low: 1e-3, high: 1, scale: 'log' },
    },
  ];
}

/**
 * How many tiers a budget of `trials` can afford: under 10 trials only the
 * learning rate; under 30 also the second tier; from 30 on, everything.
 */
export function tiersForBudget(trials: number): number {
  return trials < 10 ? 1 : trials < 30 ? 2 : 3;
}

/**
 * The built-in MLP search space for a trial budget.
 *
 * @example
 *   defaultSpace(5, { optimizer: 'momentum' });  // { learningRate }
 *   defaultSpace(20, { optimizer: 'momentum' }); // + batchSize, hiddenUnits, beta
 *   defaultSpace(50, { optimizer: 'momentum' }); // + layers, lrDecay
 */
export function defaultSpace(trials: number, settings: Pick<RunSettings, 'optimizer'>): SpaceSpec {
  return Object.assign({}, ...defaultSpaceTiers(settings).slice(0, tiersForBudget(trials)));
}
