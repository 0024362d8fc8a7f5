/**
 * A labelled data set held in memory: `count` examples of `features` float32
 * values each, row-major (example i is x[i*features .. (i+1)*features)), and
 * one integer class label per example in 0..classes-1.
 */
export interface Dataset {
  /** [count][features], row-major. */
  readonly x: Float32Array;
  /** [count], class indices. */
  readonly y: Int32Array;
  readonly count: number;
  readonly features: number;
  readonly classes: number;
  /** Optional human names of the classes (e.g. Fashion-MNIST's "T-shirt/top"). */
  readonly classNames?: readonly string[];
  /** Optional human names of the features (e.g. CSV header columns). */
  readonly featureNames?: readonly string[];
}
