/** Evaluation and prediction in eval mode (batch norm uses its running averages, no dropout). */
import type { Network } from '../nn/network.js';
import { BatchGatherer, toExamples, toLabels, type Inputs, type Labels } from './inputs.js';

export interface Evaluation {
  /** Mean cross-entropy. */
  loss: number;
  /** Fraction of examples whose hardmax prediction equals the label. */
  accuracy: number;
  count: number;
}

const DEFAULT_BATCH = 1024;

/** @example const { loss, accuracy } = evaluate(model, xTest, yTest); */
export function evaluate(model: Network, x: Inputs, y: Labels, { batchSize = DEFAULT_BATCH } = {}): Evaluation {
  const ex = toExamples(x, model.inputSize, 'evaluate x');
  const labels = toLabels(y, ex.count, model.classes, 'evaluate y');
  checkBatchSize(batchSize);
  const gatherer = new BatchGatherer(model);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < ex.count; start += batchSize) {
    const end = Math.min(ex.count, start + batchSize);
    const z = model.forward(gatherer.gather(ex, labels, null, start, end), false);
    lossSum += model.loss.forward(z, gatherer.labels, false) * (end - start);
    correct += model.backend.countCorrect(model.loss.lastProbabilities(end - start), gatherer.labels);
  }
  return { loss: lossSum / ex.count, accuracy: correct / ex.count, count: ex.count };
}

/** Probabilities [n][C] row-major; for a sigmoid output, each row is [p(0), p(1)]. */
export function predict(model: Network, x: Inputs, { batchSize = DEFAULT_BATCH } = {}): Float32Array {
  const ex = toExamples(x, model.inputSize, 'predict x');
  checkBatchSize(batchSize);
  const classes = model.classes;
  const out = new Float32Array(ex.count * classes);
  const gatherer = new BatchGatherer(model);
  for (let start = 0; start < ex.count; start += batchSize) {
    const end = Math.min(ex.count, start + batchSize);
    const probs = model.loss.probabilities(model.forward(gatherer.gather(ex, null, null, start, end), false));
    if (probs.cols === classes) out.set(probs.data.subarray(0, (end - start) * classes), start * classes);
    else {
      for (let r = 0; r < end - start; r++) {
        out[(start + r) * 2] = 1 - probs.data[r];
        out[(start + r) * 2 + 1] = probs.data[r];
      }
    }
  }
  return out;
}

/** Hardmax: the index of the largest probability of each example. */
export function predictClass(model: Network, x: Inputs, options: { batchSize?: number } = {}): Int32Array {
  return argmaxRows(predict(model, x, options), model.classes);
}

/**
 * The most probable class of each row of probabilities [n][classes] (ties
 * go to the lowest class): the one hardmax of models, ensembles and `caviar
 * predict`.
 *
 * @example argmaxRows(Float32Array.from([0.2, 0.8, 0.6, 0.4]), 2); // Int32Array [1, 0]
 */
export function argmaxRows(probabilities: ArrayLike<number>, classes: number): Int32Array {
  const out = new Int32Array(probabilities.length / classes);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[i * classes + c] > probabilities[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

export function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
}
