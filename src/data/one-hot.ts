/**
 * The course's label encoding for softmax: class j becomes the vector y with
 * y_j = 1 and zeros elsewhere, so the loss -sum_j y_j log(yhat_j) picks out
 * the probability of the true class.
 *
 * @example
 *   oneHot(new Int32Array([2, 0]), 3); // Float32Array [0, 0, 1,  1, 0, 0]   [count][classes]
 */
export function oneHot(y: ArrayLike<number>, classes: number): Float32Array {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`oneHot: classes must be a positive integer, got ${classes}`);
  const out = new Float32Array(y.length * classes); // [count][classes]
  for (let i = 0; i < y.length; i++) {
    const label = y[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(`oneHot: y[${i}] is ${label}; labels must be integers in 0..${classes - 1}`);
    }
    out[i * classes + label] = 1;
  }
  return out;
}
