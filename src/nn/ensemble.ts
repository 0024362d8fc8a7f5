/**
 * An ensemble: several trained networks that predict together, each class's
 * probability being the weighted mean of the members' probabilities. What
 * AutoML systems ship from a search (Caruana et al., "Ensemble selection
 * from libraries of models", 2004): the best few models of a study usually
 * make different mistakes, so their average is more accurate than any one.
 *
 * It predicts and evaluates like a `Sequential` (raw inputs; each member
 * applies its own input normalization), and is saved, exported to ONNX and
 * loaded like one; it does not train.
 *
 * @example
 *   const ensemble = new Ensemble([a, b, c], [0.5, 0.25, 0.25]);
 *   ensemble.predict(x); // [n][C], rows sum to 1
 *   ensemble.evaluate(xDev, yDev).accuracy;
 */
import { argmaxRows, type Evaluation } from '../train/evaluate.js';
import { toExamples, toLabels, type Inputs, type Labels } from '../train/inputs.js';
import type { Sequential } from './model.js';

/** Probabilities below this count as this in the cross-entropy, so a confident mistake costs a large but finite loss. */
const MIN_PROBABILITY = 1e-12;

export class Ensemble {
  readonly members: readonly Sequential[];
  /** Each member's share of the mean, summing to 1. */
  readonly weights: readonly number[];

  constructor(members: readonly Sequential[], weights: readonly number[] = members.map(() => 1)) {
    if (members.length === 0) throw new RangeError('ensemble: needs at least one member');
    if (weights.length !== members.length) throw new RangeError(`ensemble: ${members.length} members but ${weights.length} weights`);
    const [first] = members;
    members.forEach((m, i) => {
      if (m.inputSize !== first.inputSize || m.classes !== first.classes) {
        throw new RangeError(`ensemble: member ${i} takes ${m.inputSize} features to ${m.classes} classes, member 0 ${first.inputSize} to ${first.classes}`);
      }
    });
    weights.forEach((w, i) => {
      if (!(w > 0) || !Number.isFinite(w)) throw new RangeError(`ensemble: weight ${i} must be a positive number, got ${w}`);
    });
    const total = weights.reduce((s, w) => s + w, 0);
    this.members = [...members];
    this.weights = weights.map((w) => w / total);
  }

  get inputSize(): number {
    return this.members[0].inputSize;
  }

  get classes(): number {
    return this.members[0].classes;
  }

  /** Class probabilities in eval mode: [n][C] row-major, the weighted mean of the members'. */
  predict(x: Inputs, options: { batchSize?: number } = {}): Float32Array {
    return mixProbabilities(this.members.map((m) => m.predict(x, options)), this.weights);
  }

  /** Hardmax of `predict`. */
  predictClass(x: Inputs, options: { batchSize?: number } = {}): Int32Array {
    return argmaxRows(this.predict(x, options), this.classes);
  }

  /** Mean cross-entropy of the mixed probabilities, and accuracy. */
  evaluate(x: Inputs, y: Labels, options: { batchSize?: number } = {}): Evaluation {
    const ex = toExamples(x, this.inputSize, 'evaluate x');
    const labels = toLabels(y, ex.count, this.classes, 'evaluate y');
    return scoreProbabilities(this.predict(x, options), labels, this.classes);
  }
}

/**
 * The weighted mean of probability tables of one shape; `weights` sum to 1.
 *
 * @example mixProbabilities([new Float32Array([1, 0]), new Float32Array([0, 1])], [0.75, 0.25]); // [0.75, 0.25]
 */
export function mixProbabilities(tables: readonly Float32Array[], weights: readonly number[]): Float32Array {
  const out = new Float32Array(tables[0].length);
  // Summed in float64 and rounded once, so the order of members changes nothing beyond float32 rounding.
  const acc = new Float64Array(out.length);
  tables.forEach((t, k) => {
    const w = weights[k];
    for (let i = 0; i < t.length; i++) acc[i] += w * t[i];
  });
  out.set(acc);
  return out;
}

/**
 * Cross-entropy and accuracy of class probabilities [n][C] against labels
 * (ties go to the lowest class, as `predictClass` does).
 *
 * @example scoreProbabilities(new Float32Array([0.9, 0.1, 0.4, 0.6]), Int32Array.from([0, 0]), 2); // { loss: 0.51, accuracy: 0.5, count: 2 }
 */
export function scoreProbabilities(probabilities: ArrayLike<number>, labels: Int32Array, classes: number): Evaluation {
  const n = labels.length;
  let loss = 0;
  let correct = 0;
  const predicted = argmaxRows(probabilities, classes);
  for (let i = 0; i < n; i++) {
    if (predicted[i] === labels[i]) correct++;
    loss -= Math.log(Math.max(MIN_PROBABILITY, probabilities[i * classes + labels[i]]));
  }
  return { loss: n > 0 ? loss / n : NaN, accuracy: n > 0 ? correct / n : NaN, count: n };
}
