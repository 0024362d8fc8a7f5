/**
 * What one training run needs, fully resolved: the model shape and the
 * training settings. An experiment file gives defaults; a trial's
 * hyperparameters override them by name (see params.ts).
 */
import type { ActivationConfig, LayerConfig } from '../nn/config.js';
import { batchNorm, dense, dropout } from '../nn/config.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import type { ScheduleConfig } from '../optim/schedules.js';

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
