/**
 * Accepts inputs and labels the ways people have them (nested arrays, flat
 * typed arrays, matrices), checks them once with messages a newcomer can act
 * on, and gathers mini-batches into reusable workspaces.
 */
import { Matrix, Workspace, type FloatArray } from '../backend/tensor.js';
import type { InputNormalization, Network } from '../nn/network.js';

/** [n][features] as nested arrays, a flat row-major typed array, or a Matrix. */
export type Inputs = Matrix | readonly (readonly number[])[] | Float32Array | Float64Array;
/** Class indices 0..C-1, one per example. */
export type Labels = Int32Array | readonly number[];

export interface Examples {
  /** Row-major [count][features]. */
  readonly x: FloatArray;
  readonly count: number;
  readonly features: number;
}

/** Flattens and checks inputs: shape against the model, no NaN or Infinity, at least one example. */
export function toExamples(x: Inputs, features: number, what = 'x'): Examples {
  let data: FloatArray;
  if (x instanceof Matrix) {
    if (x.cols !== features) throw new RangeError(`${what}: examples have ${x.cols} features, the model expects ${features}`);
    data = x.data.subarray(0, x.rows * x.cols);
  } else if (x instanceof Float32Array || x instanceof Float64Array) {
    if (x.length % features !== 0) {
      throw new RangeError(`${what}: a flat array of ${x.length} values is not a whole number of examples of ${features} features`);
    }
    data = x;
  } else if (Array.isArray(x)) {
    data = new Float32Array(x.length * features);
    x.forEach((row: readonly number[], i: number) => {
      if (!Array.isArray(row) && !ArrayBuffer.isView(row)) {
        throw new TypeError(`${what}[${i}]: expected an array of ${features} numbers, got ${typeof row}`);
      }
      if (row.length !== features) {
        throw new RangeError(`${what}[${i}]: has ${row.length} features, the model expects ${features}`);
      }
      data.set(row, i * features);
    });
  } else {
    throw new TypeError(`${what}: expected nested arrays, a Float32Array or a Matrix`);
  }
  const count = data.length / features;
  if (count === 0) throw new RangeError(`${what}: the data set is empty (0 examples)`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = Math.floor(i / features);
      throw new RangeError(`${what}: example ${row}, feature ${i - row * features} is ${data[i]}; inputs must be finite numbers`);
    }
  }
  return { x: data, count, features };
}

/** Checks labels: one per example, integers in 0..classes-1. */
export function toLabels(y: Labels, count: number, classes: number, what = 'y'): Int32Array {
  if (!(y instanceof Int32Array) && !Array.isArray(y) && !ArrayBuffer.isView(y)) {
    throw new TypeError(`${what}: expected an array of class indices`);
  }
  if (y.length !== count) throw new RangeError(`${what}: ${y.length} labels for ${count} examples`);
  const out = y instanceof Int32Array ? y : new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new RangeError(
        `${what}[${i}]: label ${v} is not a class index 0..${classes - 1} (the model has ${classes} classes)`,
      );
    }
    out[i] = v;
  }
  return out;
}

/** Copies the rows `order[start..end)` of the examples into a batch, normalizing on the way. */
export class BatchGatherer {
  private readonly xs: Workspace;
  private readonly ys = new Map<number, Int32Array>();
  private labelBuffer = new Int32Array(0);

  /**
   * With `normalized: true` the examples given to `gather` are already
   * normalized (see `normalizeExamples`), and rows are copied as they are.
   */
  constructor(
    private readonly model: Network,
    private readonly options: { normalized?: boolean } = {},
  ) {
    this.xs = new Workspace(model.inputSize, model.dtype, model.backend);
  }

  /** Labels of the last gathered batch (a view reused across batches of the same size). */
  labels: Int32Array = new Int32Array(0);

  /** Gathers a batch and returns its inputs; its labels are in `this.labels`. Allocates nothing once warm. */
  gather(ex: Examples, labels: Int32Array | null, order: Int32Array | null, start: number, end: number): Matrix {
    const m = end - start;
    const f = ex.features;
    const batch = this.xs.view(m);
    const out = batch.data;
    const norm: InputNormalization | null = this.options.normalized ? null : this.model.inputNormalization;
    for (let r = 0; r < m; r++) {
      const src = (order ? order[start + r] : start + r) * f;
      const dst = r * f;
      if (norm) {
        const { mean, std } = norm;
        for (let j = 0; j < f; j++) out[dst + j] = (ex.x[src + j] - mean[j]) / std[j];
      } else {
        out.set(ex.x.subarray(src, src + f), dst); // a memcpy when the precisions match
      }
    }
    let y = this.ys.get(m);
    if (!y) {
      if (this.labelBuffer.length < m) this.labelBuffer = new Int32Array(m);
      y = this.labelBuffer.subarray(0, m);
      this.ys.set(m, y);
    }
    if (labels) for (let r = 0; r < m; r++) y[r] = labels[order ? order[start + r] : start + r];
    this.labels = y;
    return batch;
  }
}

/**
 * The examples with the model's input normalization applied, once, in the
 * model's precision: training then copies plain rows into each batch instead
 * of normalizing every row of every epoch again (a quarter of an epoch's time
 * with a fast backend), at the cost of one copy of the training data.
 */
export function normalizeExamples(model: Network, ex: Examples): Examples {
  const norm = model.inputNormalization;
  if (!norm) return ex;
  return normalizeRows(ex, norm.mean, norm.std, model.dtype);
}

/** `(x - mean) / std` per feature, into a new array of `dtype`: the copy `fit` trains on. */
export function normalizeRows(ex: Examples, mean: ArrayLike<number>, std: ArrayLike<number>, dtype: 'float32' | 'float64'): Examples {
  const f = ex.features;
  const x = dtype === 'float64' ? new Float64Array(ex.x.length) : new Float32Array(ex.x.length);
  for (let i = 0; i < ex.count; i++) {
    const row = i * f;
    for (let j = 0; j < f; j++) x[row + j] = (ex.x[row + j] - mean[j]) / std[j];
  }
  return { x, count: ex.count, features: f };
}
