/**
 * What one training run needs, fully resolved: the model shape and the
 * training settings. An experiment file gives defaults; a trial's
 * hyperparameters override them by name (see params.ts).
 *
 * A setting that is one value (a rate, a size, a choice, a switch) is
 * written once, in `SETTINGS`: its name, the file's section that holds it,
 * what it means and the values it may take. spec.ts reads an experiment
 * file by that table and params.ts applies a trial's values by it, so a new
 * setting is a field of `RunSettings`, its default, and one row there.
 */
import type { ActivationConfig, LayerConfig } from '../nn/config.js';
import { batchNorm, dense, dropout } from '../nn/config.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import type { ScheduleConfig } from '../optim/schedules.js';
import type { ValueRule } from './fields.js';

export const OPTIMIZERS = ['sgd', 'momentum', 'rmsprop', 'adam'] as const;
export const ACTIVATIONS = ['relu', 'leakyRelu', 'tanh', 'sigmoid'] as const;

export interface RunSettings {
  /** MLP shorthand: hidden layer widths; ignored when `layers` is given. */
  hidden: number[];
  batchNorm: boolean;
  activation: (typeof ACTIVATIONS)[number];
  dropout: number;
  /** An explicit layer list (the output layer included) instead of the MLP shorthand. */
  layers?: LayerConfig[];
  epochs: number;
  batchSize: number;
  optimizer: (typeof OPTIMIZERS)[number];
  learningRate: number;
  /** Momentum's / RMSprop's beta. */
  beta: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** L2 weight decay (lambda / m), on weights only. */
  l2: number;
  /** Inverse-time decay rate: lr = a0 / (1 + lrDecay * epoch); 0 for none. */
  lrDecay: number;
  normalizeInputs: boolean;
}

export const DEFAULT_SETTINGS: RunSettings = {
  hidden: [64, 64],
  batchNorm: true,
  activation: 'relu',
  dropout: 0,
  epochs: 20,
  batchSize: 64,
  optimizer: 'adam',
  learningRate: 0.001,
  beta: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  l2: 0,
  lrDecay: 0,
  normalizeInputs: true,
};

export interface SettingDef {
  /** The experiment file's section that holds it. */
  readonly section: 'model' | 'train';
  /** What it is, for messages. */
  readonly describe: string;
  readonly value: ValueRule;
  /** Whether a search space may name it (default: it may). */
  readonly tunable?: false;
}

const unitInterval: ValueRule = { type: 'number', rule: { min: 0, below: 1 } };
const positive: ValueRule = { type: 'number', rule: { above: 0 } };
const atLeastZero: ValueRule = { type: 'number', rule: { min: 0 } };
const count: ValueRule = { type: 'number', rule: { integer: true, min: 1 } };

/**
 * Every one-value setting, in the order the course ranks hyperparameters
 * (the learning rate first). `hidden` and `layers` (lists) are read by
 * spec.ts and tuned as `hiddenUnits` and `layers` by params.ts.
 */
export const SETTINGS = {
  learningRate: { section: 'train', describe: 'the learning rate alpha', value: positive },
  beta: { section: 'train', describe: "momentum's (or RMSprop's) beta", value: unitInterval },
  beta1: { section: 'train', describe: "Adam's beta1", value: unitInterval },
  beta2: { section: 'train', describe: "Adam's beta2", value: unitInterval },
  eps: { section: 'train', describe: "Adam's / RMSprop's epsilon", value: positive },
  batchSize: { section: 'train', describe: 'the mini-batch size', value: count },
  epochs: { section: 'train', describe: 'the number of epochs', value: count },
  lrDecay: { section: 'train', describe: 'the decay rate in a0 / (1 + rate * epoch)', value: atLeastZero },
  l2: { section: 'train', describe: 'the L2 weight decay lambda / m', value: atLeastZero },
  optimizer: { section: 'train', describe: `the optimizer (${OPTIMIZERS.join(', ')})`, value: { type: 'choice', choices: OPTIMIZERS } },
  normalizeInputs: { section: 'train', describe: 'standardize the inputs by the training set (true or false)', value: { type: 'boolean' }, tunable: false },
  dropout: { section: 'model', describe: 'the dropout rate', value: unitInterval },
  activation: { section: 'model', describe: `the hidden activation (${ACTIVATIONS.join(', ')})`, value: { type: 'choice', choices: ACTIVATIONS } },
  batchNorm: { section: 'model', describe: 'batch norm after each hidden dense layer (true or false)', value: { type: 'boolean' } },
} as const satisfies { readonly [K in keyof RunSettings]?: SettingDef };

/** The name of a one-value setting. */
export type SettingName = keyof typeof SETTINGS;

/** The one-value settings of a file's section, in table order. */
export function settingsOf(section: SettingDef['section']): SettingName[] {
  return (Object.keys(SETTINGS) as SettingName[]).filter((name) => SETTINGS[name].section === section);
}

/** The layer list for `classes` outputs: dense (no bias before batch norm), batch norm, activation, dropout; then the output layer. */
export function layersFor(s: RunSettings, classes: number): LayerConfig[] {
  if (s.layers) return s.layers;
  const act: LayerConfig = s.activation === 'leakyRelu' ? { type: 'leakyRelu' } : ({ type: s.activation } as ActivationConfig);
  const init = s.activation === 'tanh' || s.activation === 'sigmoid' ? 'xavier' : 'he';
  const layers: LayerConfig[] = [];
  for (const units of s.hidden) {
    layers.push(dense(units, { bias: !s.batchNorm, init }));
    if (s.batchNorm) layers.push(batchNorm());
    layers.push(act);
    if (s.dropout > 0) layers.push(dropout(s.dropout));
  }
  layers.push(dense(classes, { init: 'xavier' }));
  return layers;
}

export function optimizerFor(s: RunSettings): OptimizerConfig {
  const common = { learningRate: s.learningRate, weightDecay: s.l2 };
  switch (s.optimizer) {
    case 'sgd':
      return { type: 'sgd', ...common };
    case 'momentum':
      return { type: 'momentum', beta: s.beta, ...common };
    case 'rmsprop':
      return { type: 'rmsprop', beta: s.beta, eps: s.eps, ...common };
    case 'adam':
      return { type: 'adam', beta1: s.beta1, beta2: s.beta2, eps: s.eps, ...common };
  }
}

export function scheduleFor(s: RunSettings): ScheduleConfig | undefined {
  return s.lrDecay > 0 ? { type: 'inverseTime', rate: s.lrDecay } : undefined;
}
