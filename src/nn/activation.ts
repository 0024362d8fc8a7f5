/**
 * Elementwise activations: ReLU, leaky ReLU, tanh, sigmoid, linear.
 * The math lives in the backend; this layer only keeps z and a for backward.
 */
import type { ActivationKind, Backend } from '../backend/backend.js';
import { Workspace, type Matrix } from '../backend/tensor.js';
import type { BuildContext, Layer } from './layer.js';

export class Activation implements Layer {
  readonly type: ActivationKind;
  outputSize = 0;
  private backend!: Backend;
  private z: Matrix | null = null;
  private a: Matrix | null = null;
  private out!: Workspace;
  private dInput!: Workspace;

  constructor(
    kind: ActivationKind,
    /** Leaky ReLU's negative slope. */
    readonly slope = 0.01,
  ) {
    if (kind === 'leakyRelu' && !(slope >= 0 && slope < 1)) {
      throw new RangeError(`leakyRelu: slope must be in [0, 1), got ${slope}`);
    }
    this.type = kind;
  }

  build(inputSize: number, ctx: BuildContext): void {
    this.outputSize = inputSize;
    this.backend = ctx.backend;
    this.out = new Workspace(inputSize, ctx.dtype, ctx.backend);
    this.dInput = new Workspace(inputSize, ctx.dtype, ctx.backend);
  }

  forward(z: Matrix, training: boolean): Matrix {
    const a = this.out.view(z.rows);
    this.backend.activationForward(this.type, this.slope, z, a);
    this.z = training ? z : null;
    this.a = training ? a : null;
    return a;
  }

  backward(da: Matrix): Matrix {
    if (!this.z || !this.a) throw new Error(`${this.type}: backward called without a forward pass in training mode`);
    const dz = this.dInput.view(da.rows);
    this.backend.activationBackward(this.type, this.slope, this.z, this.a, da, dz);
    return dz;
  }

  params() {
    return [];
  }

  buffers() {
    return [];
  }
}
