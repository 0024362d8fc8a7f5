/** Evaluation and prediction in eval mode (batch norm uses its running averages, no dropout). */
import type { Sequential } from '../nn/model.js';
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
export function evaluate(model: Sequential, x: Inputs, y: Labels, { batchSize = DEFAULT_BATCH } = {}): Evaluation {
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
export function predict(model: Sequential, x: Inputs, { batchSize = DEFAULT_BATCH } = {}): Float32Array {
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
export function predictClass(model: Sequential, x: Inputs, options: { batchSize?: number } = {}): Int32Array {
  const probs = predict(model, x, options);
  const c = model.classes;
  const out = new Int32Array(probs.length / c);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (probs[i * c + j] > probs[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}

export function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
}
