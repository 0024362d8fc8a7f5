/**
 * Input normalization, as the course teaches it: per feature, subtract the
 * mean and divide by the standard deviation, so every input has mean 0 and
 * variance 1 and the cost surface is round rather than elongated (gradient
 * descent can then take larger steps).
 *
 * The statistics come from the TRAINING split only, and the very same mean and
 * std are then applied to dev, test and any new example: the model must see
 * every input through one fixed transformation. They are saved with the model
 * (`toJSON`) for that reason.
 */
import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';

/** What `toJSON` writes: one mean and one standard deviation per feature. */
export interface NormalizerJSON {
  mean: number[];
  std: number[];
}

/**
 * A fitted per-feature normalization x' = (x - mean) / std.
 *
 * @example
 *   const norm = Normalizer.fit(train);   // statistics from train only
 *   const trainN = norm.apply(train);
 *   const testN = norm.apply(test);       // same mean and std
 *   const saved = JSON.stringify(norm);   // {"mean":[...],"std":[...]}
 *   Normalizer.fromJSON(JSON.parse(saved)).applyInPlace(newExample);
 */
export class Normalizer {
  readonly mean: Float64Array; // [features]
  readonly std: Float64Array; // [features]

  private constructor(mean: Float64Array, std: Float64Array) {
    this.mean = mean;
    this.std = std;
  }

  get features(): number {
    return this.mean.length;
  }

  /**
   * Fits mean and std (population std, dividing by m as the course does) in
   * float64. A constant feature (all values equal, e.g. MNIST's border
   * pixels) gets std 1, so it maps to 0 instead of dividing by zero.
   *
   * @example
   *   const n = Normalizer.fit({ x: new Float32Array([1, 10, 3, 10]), y: new Int32Array([0, 1]), count: 2, features: 2, classes: 2 });
   *   n.toJSON(); // { mean: [2, 10], std: [1, 1] }
   */
  static fit(ds: Dataset | { readonly x: ArrayLike<number>; readonly count: number; readonly features: number }): Normalizer {
    const { x, count, features } = ds;
    if (count < 1) throw new RangeError('Normalizer.fit: the data set is empty');
    if (x.length !== count * features) {
      throw new RangeError(`Normalizer.fit: x has ${x.length} values but count x features is ${count * features}`);
    }
    const mean = new Float64Array(features);
    const min = new Float64Array(features).fill(Infinity);
    const max = new Float64Array(features).fill(-Infinity);
    for (let i = 0; i < count; i++) {
      const row = i * features;
      for (let j = 0; j < features; j++) {
        const v = x[row + j];
        mean[j] += v;
        if (v < min[j]) min[j] = v;
        if (v > max[j]) max[j] = v;
      }
    }
    for (let j = 0; j < features; j++) mean[j] /= count;
    // Two passes: sum((x - mean)^2) does not cancel catastrophically like sum(x^2) - m*mean^2.
    const variance = new Float64Array(features);
    for (let i = 0; i < count; i++) {
      const row = i * features;
      for (let j = 0; j < features; j++) {
        const d = x[row + j] - mean[j];
        variance[j] += d * d;
      }
    }
    const std = new Float64Array(features);
    for (let j = 0; j < features; j++) {
      if (!Number.isFinite(mean[j]) || !Number.isFinite(variance[j])) {
        throw new RangeError(`Normalizer.fit: feature ${j} has a non-finite value; run validateDataset first`);
      }
      // Equal min and max means exactly zero variance, whatever rounding left in `variance`.
      std[j] = min[j] === max[j] ? 1 : Math.sqrt(variance[j] / count);
    }
    return new Normalizer(mean, std);
  }

  /**
   * Builds a Normalizer from saved statistics, checking them: two arrays of
   * the same non-zero length, finite means, positive finite stds.
   *
   * @example
   *   Normalizer.fromJSON({ mean: [0.5], std: [2] }, 'model.json').features; // 1
   */
  static fromJSON(json: unknown, source = 'normalizer'): Normalizer {
    if (typeof json !== 'object' || json === null) throw new DataError(source, `normalizer must be an object with mean and std, got ${describe(json)}`);
    const { mean, std } = json as { mean?: unknown; std?: unknown };
    if (!Array.isArray(mean)) throw new DataError(source, `normalizer.mean must be an array of numbers, got ${describe(mean)}`);
    if (!Array.isArray(std)) throw new DataError(source, `normalizer.std must be an array of numbers, got ${describe(std)}`);
    if (mean.length === 0) throw new DataError(source, 'normalizer.mean is empty; expected one value per feature');
    if (mean.length !== std.length) {
      throw new DataError(source, `normalizer.mean has ${mean.length} values but normalizer.std has ${std.length}; expected one of each per feature`);
    }
    mean.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new DataError(source, `normalizer.mean[${j}] is ${describe(v)}; expected a finite number`);
    });
    std.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
        throw new DataError(source, `normalizer.std[${j}] is ${describe(v)}; expected a finite number > 0`);
      }
    });
    return new Normalizer(Float64Array.from(mean as number[]), Float64Array.from(std as number[]));
  }

  /** `{ mean, std }` as plain arrays, so `JSON.stringify(normalizer)` works. */
  toJSON(): NormalizerJSON {
    return { mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  /**
   * A normalized copy of the data set (labels and names shared).
   *
   * @example
   *   const testN = Normalizer.fit(train).apply(test);
   */
  apply(ds: Dataset): Dataset {
    this.checkFeatures(ds.features);
    const x = Float32Array.from(ds.x);
    this.applyInPlace(x);
    return { ...ds, x };
  }

  /**
   * Normalizes rows [n][features] in place (one example or a whole batch).
   *
   * @example
   *   const example = new Float32Array(784); // one image
   *   norm.applyInPlace(example);
   */
  applyInPlace(x: Float32Array): void {
    const features = this.features;
    if (x.length % features !== 0) {
      throw new RangeError(`Normalizer.applyInPlace: ${x.length} values are not whole rows of ${features} features`);
    }
    const { mean, std } = this;
    for (let row = 0; row < x.length; row += features) {
      for (let j = 0; j < features; j++) x[row + j] = (x[row + j] - mean[j]) / std[j];
    }
  }

  private checkFeatures(features: number): void {
    if (features !== this.features) {
      throw new RangeError(`Normalizer: fitted on ${this.features} features but the data set has ${features}`);
    }
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return typeof v;
}
