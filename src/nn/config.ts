/**
 * Layers described as plain data, so a model can be written in a JSON or
 * YAML experiment file, saved beside its weights, and rebuilt exactly.
 *
 * @example
 *   const layers: LayerConfig[] = [
 *     dense(256, { bias: false }), batchNorm(), relu(),
 *     dense(10),
 *   ];
 */
export type InitKind = 'he' | 'xavier';

export interface DenseConfig {
  readonly type: 'dense';
  readonly units: number;
  /** Default true. A dense layer followed by batch norm needs none: beta takes its role. */
  readonly bias?: boolean;
  /** Default 'he' (for ReLU); 'xavier' suits tanh and sigmoid. */
  readonly init?: InitKind;
}

export interface ActivationConfig {
  readonly type: 'relu' | 'tanh' | 'sigmoid' | 'linear';
}

export interface LeakyReluConfig {
  readonly type: 'leakyRelu';
  /** Negative slope, default 0.01 (PyTorch's default). */
  readonly slope?: number;
}

export interface BatchNormConfig {
  readonly type: 'batchNorm';
  /**
   * Weight of each new batch's statistics in the running averages:
   * running = (1 - momentum) * running + momentum * batch. Default 0.1.
   * This is PyTorch's `momentum`; the course's beta and Keras's `momentum`
   * are 1 - this value.
   */
  readonly momentum?: number;
  /** Added to the variance before the square root. Default 1e-5 (PyTorch; Keras uses 1e-3). */
  readonly eps?: number;
  /**
   * Which batch variance feeds the running variance: 'unbiased' (divide by
   * m - 1, PyTorch's convention, the default) or 'biased' (divide by m, as
   * Keras/TensorFlow do). Training always normalizes with the biased variance.
   */
  readonly runningVariance?: 'unbiased' | 'biased';
}

export interface DropoutConfig {
  readonly type: 'dropout';
  /** Fraction of units dropped while training (1 - keep_prob), in [0, 1). */
  readonly rate: number;
}

export type LayerConfig =
  | DenseConfig
  | ActivationConfig
  | LeakyReluConfig
  | BatchNormConfig
  | DropoutConfig;

/** How the network's last layer is turned into a loss. */
export type LossKind = 'softmaxCrossEntropy' | 'sigmoidBinaryCrossEntropy';

/** A whole sequential model as plain data. */
export interface ModelConfig {
  readonly inputSize: number;
  readonly layers: readonly LayerConfig[];
  /** Default 'softmaxCrossEntropy'. With 'sigmoidBinaryCrossEntropy' the last layer has one unit. */
  readonly loss?: LossKind;
}

/** A dense layer `z = W a + b` with W of shape [units][in]. */
export function dense(units: number, options: Omit<DenseConfig, 'type' | 'units'> = {}): DenseConfig {
  return { type: 'dense', units, ...options };
}
export function relu(): ActivationConfig {
  return { type: 'relu' };
}
export function leakyRelu(slope?: number): LeakyReluConfig {
  return slope === undefined ? { type: 'leakyRelu' } : { type: 'leakyRelu', slope };
}
export function tanh(): ActivationConfig {
  return { type: 'tanh' };
}
export function sigmoid(): ActivationConfig {
  return { type: 'sigmoid' };
}
export function linear(): ActivationConfig {
  return { type: 'linear' };
}
export function batchNorm(options: Omit<BatchNormConfig, 'type'> = {}): BatchNormConfig {
  return { type: 'batchNorm', ...options };
}
export function dropout(rate: number): DropoutConfig {
  return { type: 'dropout', rate };
}
