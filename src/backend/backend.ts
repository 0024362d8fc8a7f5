/**
 * The Backend: every loop a layer, loss or optimizer needs, behind one
 * interface. Layers describe *what* to compute; a backend decides *how*.
 * The reference backend (plain TypeScript) is the oracle; faster backends
 * (WebAssembly, native) must produce the same numbers and pass the same tests.
 *
 * Shapes are written beside each argument: a batch is [m][n] (m examples,
 * n features or units).
 */
import type { FloatArray, Matrix } from './tensor.js';

export type ActivationKind = 'linear' | 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid';

/** A kernel: a method of Backend (all but `name` and `allocateFloat32`). */
export type KernelName = Exclude<keyof Backend, 'name' | 'allocateFloat32'>;

/**
 * The list of kernels. Whatever must cover every kernel reads it rather than
 * keeping a list of its own: the float64 routing (float32.ts), its test, the
 * WebAssembly build's export check and the conformance suite's check that
 * every kernel is tested. A new kernel is its signature in Backend and its
 * name here; the compiler refuses the list until it names every kernel of
 * Backend, and nothing else.
 */
export const KERNELS = [
  'gemm', 'addRowVector', 'sumRows', 'activationForward', 'activationBackward',
  'batchNormTrain', 'batchNormEval', 'batchNormBackward',
  'softmax', 'softmaxCrossEntropy', 'sigmoidBinaryCrossEntropy', 'countCorrect', 'multiply',
  'sgdStep', 'momentumStep', 'rmspropStep', 'adamStep',
] as const satisfies readonly KernelName[];

/** A kernel of Backend missing from KERNELS (never, when the list is whole). */
type Unlisted = Exclude<KernelName, (typeof KERNELS)[number]>;
// Fails to compile, naming the kernel, while one is missing from the list.
const everyKernelListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyKernelListed;

export interface Backend {
  readonly name: string;

  /**
   * Optional: zero-filled float32 storage that this backend's kernels use in
   * place (the WebAssembly backend: a view on its linear memory, which no
   * call then copies in or out). Layers, optimizers and batch gathering get
   * their arrays through `allocate(dtype, length, backend)` in tensor.ts,
   * which makes a plain Float32Array where a backend has no such storage.
   * Every method still accepts plain arrays.
   */
  allocateFloat32?(length: number): Float32Array;

  /**
   * General matrix product: out = alpha * op(a) * op(b) + beta * out, where
   * op(x) is x or its transpose. Training needs three forms, all of which
   * must be fast: forward `X W^T` (transB), weight gradient `dZ^T X` (transA),
   * input gradient `dZ W` (neither).
   */
  gemm(a: Matrix, transA: boolean, b: Matrix, transB: boolean, out: Matrix, alpha: number, beta: number): void;

  /** m[i][j] += v[j] for every row: adds a bias. m: [rows][n], v: [n]. */
  addRowVector(m: Matrix, v: FloatArray): void;

  /** out[j] = sum_i m[i][j] (a bias gradient). m: [rows][n], out: [n]. */
  sumRows(m: Matrix, out: FloatArray): void;

  /** a = f(z), elementwise. `slope` is leaky ReLU's negative slope. */
  activationForward(kind: ActivationKind, slope: number, z: Matrix, a: Matrix): void;

  /** dz = da * f'(z), elementwise; uses whichever of z or a = f(z) is cheaper. */
  activationBackward(kind: ActivationKind, slope: number, z: Matrix, a: Matrix, da: Matrix, dz: Matrix): void;

  /**
   * Batch norm forward in training mode, over the m rows of z [m][n]:
   * mean[j], variance[j] (biased), invStd[j] = 1 / sqrt(variance + eps),
   * zHat = (z - mean) * invStd, out = gamma * zHat + beta.
   */
  batchNormTrain(
    z: Matrix,
    gamma: FloatArray,
    beta: FloatArray,
    eps: number,
    mean: FloatArray,
    variance: FloatArray,
    invStd: FloatArray,
    zHat: Matrix,
    out: Matrix,
  ): void;

  /** Batch norm forward in eval mode: out = gamma * (z - runningMean) / sqrt(runningVar + eps) + beta. */
  batchNormEval(
    z: Matrix,
    gamma: FloatArray,
    beta: FloatArray,
    runningMean: FloatArray,
    runningVar: FloatArray,
    eps: number,
    out: Matrix,
  ): void;

  /**
   * Batch norm backward, training mode. From dOut [m][n] and the saved zHat
   * and invStd: dGamma = sum dOut * zHat, dBeta = sum dOut, and
   * dz = invStd / m * (m * dzHat - sum(dzHat) - zHat * sum(dzHat * zHat)) with dzHat = dOut * gamma.
   */
  batchNormBackward(
    dOut: Matrix,
    zHat: Matrix,
    gamma: FloatArray,
    invStd: FloatArray,
    dz: Matrix,
    dGamma: FloatArray,
    dBeta: FloatArray,
  ): void;

  /** Row-wise softmax of z [m][C] into probs [m][C], stable (subtracts each row's max). */
  softmax(z: Matrix, probs: Matrix): void;

  /**
   * Fused, numerically stable softmax + cross-entropy over logits z [m][C]
   * with class labels [m]. Writes probabilities (yhat), and when dz is given
   * the gradient of the MEAN loss: dz = (yhat - y) / m. Returns the mean loss.
   */
  softmaxCrossEntropy(z: Matrix, labels: Int32Array, probs: Matrix, dz: Matrix | null): number;

  /**
   * Sigmoid + binary cross-entropy on one logit per example, z [m][1], labels
   * in {0, 1}. Writes p = sigmoid(z) into probs [m][1] and, when dz is given,
   * dz = (p - y) / m. Returns the mean loss, computed stably from z.
   */
  sigmoidBinaryCrossEntropy(z: Matrix, labels: Int32Array, probs: Matrix, dz: Matrix | null): number;

  /** How many rows' hardmax (argmax; for one column: p >= 0.5) equals the label. */
  countCorrect(probs: Matrix, labels: Int32Array): number;

  /** out = a * mask, elementwise (inverted dropout, where the mask holds 0 or 1/keep). */
  multiply(a: Matrix, mask: Matrix, out: Matrix): void;

  /** w -= lr * (g + weightDecay * w). */
  sgdStep(w: FloatArray, g: FloatArray, lr: number, weightDecay: number): void;

  /** The course's momentum: v = beta v + (1 - beta) g'; w -= lr v, with g' = g + weightDecay * w. */
  momentumStep(w: FloatArray, g: FloatArray, v: FloatArray, lr: number, beta: number, weightDecay: number): void;

  /** RMSprop: s = beta s + (1 - beta) g'^2; w -= lr g' / (sqrt(s) + eps). */
  rmspropStep(
    w: FloatArray,
    g: FloatArray,
    s: FloatArray,
    lr: number,
    beta: number,
    eps: number,
    weightDecay: number,
  ): void;

  /** Adam with bias correction at step t (1-based). */
  adamStep(
    w: FloatArray,
    g: FloatArray,
    v: FloatArray,
    s: FloatArray,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    t: number,
    weightDecay: number,
  ): void;
}
