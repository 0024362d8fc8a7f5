/**
 * `Sequential`, the model users build: a Network (network.ts: layers, loss,
 * forward and backward passes, state) that also trains and predicts. Its
 * `fit`, `evaluate` and `predict` are train/'s functions as methods, as
 * Keras's `Model.fit` runs its trainer: this file is the one in nn/ that
 * sits above train/, which works on a Network and never on this class.
 *
 * @example
 *   const model = new Sequential({
 *     inputSize: 2,
 *     layers: [dense(16), relu(), dense(3)],
 *   }, { seed: 1 });
 *   const history = await model.fit(x, y, { epochs: 20, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 } });
 *   model.predictClass(x); // Int32Array of class indices
 */
import { fit, type FitOptions, type History } from '../train/fit.js';
import { evaluate, predict, predictClass, type Evaluation } from '../train/evaluate.js';
import type { Inputs, Labels } from '../train/inputs.js';
import { Network } from './network.js';

export type { InputNormalization, ModelOptions, NamedBuffer, NamedParam } from './network.js';

export class Sequential extends Network {
  /** Trains the model: see {@link fit}. */
  fit(x: Inputs, y: Labels, options: FitOptions = {}): Promise<History> {
    return fit(this, x, y, options);
  }

  /** Mean loss and accuracy in eval mode. */
  evaluate(x: Inputs, y: Labels, options: { batchSize?: number } = {}): Evaluation {
    return evaluate(this, x, y, options);
  }

  /** Class probabilities in eval mode: [n][C] row-major (for sigmoid, [p(0), p(1)] per row). */
  predict(x: Inputs, options: { batchSize?: number } = {}): Float32Array {
    return predict(this, x, options);
  }

  /** Hardmax: the most probable class of each example. */
  predictClass(x: Inputs, options: { batchSize?: number } = {}): Int32Array {
    return predictClass(this, x, options);
  }
}
