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
import { ACTIVATIONS, OPTIMIZERS, type RunSettings } from './settings.js';

type Apply = (s: RunSettings, v: ParamValue) => string | null;

const num = (key: keyof RunSettings, check?: (v: number) => string | null): Apply => (s, v) => {
  if (typeof v !== 'number') return `expected a number, got ${JSON.stringify(v)}`;
  const problem = check?.(v) ?? null;
  if (problem) return problem;
  (s as unknown as Record<string, number>)[key] = v;
  return null;
};
const positiveInt = (v: number) => (Number.isInteger(v) && v >= 1 ? null : `expected a positive integer, got ${v}`);

/** Every tunable name and how it applies. Values out of their meaning (a negative rate) are refused. */
export const TUNABLE: Record<string, { describe: string; apply: Apply }> = {
  learningRate: { describe: 'the learning rate alpha', apply: num('learningRate', (v) => (v > 0 ? null : `expected > 0, got ${v}`)) },
  beta: { describe: "momentum's (or RMSprop's) beta", apply: num('beta', (v) => (v >= 0 && v < 1 ? null : `expected in [0, 1), got ${v}`)) },
  beta1: { describe: "Adam's beta1", apply: num('beta1', (v) => (v >= 0 && v < 1 ? null : `expected in [0, 1), got ${v}`)) },
  beta2: { describe: "Adam's beta2", apply: num('beta2', (v) => (v >= 0 && v < 1 ? null : `expected in [0, 1), got ${v}`)) },
  eps: { describe: "Adam's / RMSprop's epsilon", apply: num('eps', (v) => (v > 0 ? null : `expected > 0, got ${v}`)) },
  batchSize: { describe: 'the mini-batch size', apply: num('batchSize', positiveInt) },
  epochs: { describe: 'the number of epochs', apply: num('epochs', positiveInt) },
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
  lrDecay: { describe: 'the decay rate in a0 / (1 + rate * epoch)', apply: num('lrDecay', (v) => (v >= 0 ? null : `expected >= 0, got ${v}`)) },
  dropout: { describe: 'the dropout rate', apply: num('dropout', (v) => (v >= 0 && v < 1 ? null : `expected in [0, 1), got ${v}`)) },
  l2: { describe: 'the L2 weight decay lambda / m', apply: num('l2', (v) => (v >= 0 ? null : `expected >= 0, got ${v}`)) },
  optimizer: {
    describe: `the optimizer (${OPTIMIZERS.join(', ')})`,
    apply: (s, v) => {
      if (!(OPTIMIZERS as readonly ParamValue[]).includes(v)) return `expected one of ${OPTIMIZERS.join(', ')}, got ${JSON.stringify(v)}`;
      s.optimizer = v as RunSettings['optimizer'];
      return null;
    },
  },
  activation: {
    describe: `the hidden activation (${ACTIVATIONS.join(', ')})`,
    apply: (s, v) => {
      if (!(ACTIVATIONS as readonly ParamValue[]).includes(v)) return `expected one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(v)}`;
      s.activation = v as RunSettings['activation'];
      return null;
    },
  },
  batchNorm: {
    describe: 'batch norm after each hidden dense layer (true or false)',
    apply: (s, v) => {
      if (typeof v !== 'boolean') return `expected true or false, got ${JSON.stringify(v)}`;
      s.batchNorm = v;
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
