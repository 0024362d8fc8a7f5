/**
 * The output losses, fused with their output activation for stability:
 * softmax + cross-entropy for C classes (L = -sum_j y_j log yhat_j, whose
 * gradient is simply dz = yhat - y), and sigmoid + binary cross-entropy for
 * two classes with a single output unit (logistic regression).
 * The cost is the mean over the batch, so dz carries a factor 1/m.
 */
import type { Backend } from '../backend/backend.js';
import { Workspace, type DType, type Matrix } from '../backend/tensor.js';
import type { LossKind } from './config.js';

export class OutputLoss {
  private readonly probs: Workspace;
  private readonly grad: Workspace;

  constructor(
    readonly kind: LossKind,
    /** Width of the last layer: C for softmax, 1 for sigmoid. */
    readonly outputs: number,
    private readonly backend: Backend,
    dtype: DType,
  ) {
    if (kind === 'sigmoidBinaryCrossEntropy' && outputs !== 1) {
      throw new RangeError(
        `sigmoidBinaryCrossEntropy needs a last layer of 1 unit (it models p(y = 1)), the model ends with ${outputs}`,
      );
    }
    if (kind === 'softmaxCrossEntropy' && outputs < 2) {
      throw new RangeError(
        `softmaxCrossEntropy needs at least 2 output units (one per class), the model ends with ${outputs}; ` +
          "for two classes with one unit use loss 'sigmoidBinaryCrossEntropy'",
      );
    }
    this.probs = new Workspace(outputs, dtype, backend);
    this.grad = new Workspace(outputs, dtype, backend);
  }

  /** Number of classes the loss distinguishes. */
  get classes(): number {
    return this.kind === 'softmaxCrossEntropy' ? this.outputs : 2;
  }

  /**
   * Computes the mean loss of logits z [m][outputs] against labels [m] and
   * the probabilities; with `withGradient`, also dz (returned by `gradient`).
   */
  forward(z: Matrix, labels: Int32Array, withGradient: boolean): number {
    const probs = this.probs.view(z.rows);
    const dz = withGradient ? this.grad.view(z.rows) : null;
    return this.kind === 'softmaxCrossEntropy'
      ? this.backend.softmaxCrossEntropy(z, labels, probs, dz)
      : this.backend.sigmoidBinaryCrossEntropy(z, labels, probs, dz);
  }

  /** Probabilities of the last forward call: [m][C] for softmax, [m][1] = p(y = 1) for sigmoid. */
  lastProbabilities(rows: number): Matrix {
    return this.probs.view(rows);
  }

  /** dz of the last forward call with gradient. */
  gradient(rows: number): Matrix {
    return this.grad.view(rows);
  }

  /** Probabilities only (no labels needed): softmax or sigmoid of z. */
  probabilities(z: Matrix): Matrix {
    const probs = this.probs.view(z.rows);
    if (this.kind === 'sigmoidBinaryCrossEntropy') this.backend.activationForward('sigmoid', 0, z, probs);
    else this.backend.softmax(z, probs);
    return probs;
  }
}
