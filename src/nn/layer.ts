/**
 * What every layer is: something that maps a batch [m][in] to a batch
 * [m][out], remembers what its backward pass needs, and owns its parameters
 * (trained by the optimizer) and buffers (state that is not trained, like
 * batch norm's running statistics — Flax NNX's `Param` versus `BatchStat`).
 */
import type { Backend } from '../backend/backend.js';
import { allocate, dtypeOf, type DType, type FloatArray, type Matrix } from '../backend/tensor.js';
import type { Rng } from '../util/rng.js';

/** A trainable tensor and its gradient, same length. */
export interface Param {
  /** Name within the layer: `weight`, `bias`, `gamma`, `beta`. */
  readonly name: string;
  readonly value: FloatArray;
  readonly grad: FloatArray;
  /** Shape, e.g. [out, in] for a dense weight. */
  readonly shape: readonly number[];
  /**
   * Whether L2 weight decay applies by default. The course regularizes the
   * weights W only; biases, gamma and beta are left alone.
   */
  readonly decay: boolean;
}

/** State saved with the model but not trained by gradients. */
export interface BufferTensor {
  readonly name: string;
  readonly value: FloatArray;
  readonly shape: readonly number[];
}

export interface BuildContext {
  readonly backend: Backend;
  readonly dtype: DType;
  /** For initialization and dropout masks; each layer takes its own fork. */
  readonly rng: Rng;
}

export interface Layer {
  /** The layer's type name as it appears in configs and saved files. */
  readonly type: string;
  /** Number of output features, known once built. */
  readonly outputSize: number;
  /** Allocates parameters for `inputSize` input features and initializes them. */
  build(inputSize: number, ctx: BuildContext): void;
  /**
   * Forward pass over a batch x [m][in]. Returns a matrix owned by the layer
   * (valid until its next forward call). In training mode it keeps what
   * `backward` needs.
   */
  forward(x: Matrix, training: boolean): Matrix;
  /**
   * Backward pass: from dOut [m][out] (the gradient of the cost with respect
   * to this layer's output), writes the parameter gradients and returns the
   * gradient with respect to the input [m][in] (owned by the layer).
   * With `needInputGradient` false (the first layer: nothing is upstream), a
   * layer may skip that last product and return anything.
   */
  backward(dOut: Matrix, needInputGradient?: boolean): Matrix;
  params(): readonly Param[];
  buffers(): readonly BufferTensor[];
  /** Restarts the layer's random stream (dropout), for reproducible gradient checks. */
  reseed?(seed: number): void;
}

/** Helper for layers: a parameter with a zeroed gradient of the same length (in the backend's storage, see `allocate`). */
export function makeParam(
  name: string, value: FloatArray, shape: readonly number[], decay: boolean, backend: Backend | null = null,
): Param {
  const grad = allocate(dtypeOf(value), value.length, backend);
  return { name, value, grad, shape, decay };
}
