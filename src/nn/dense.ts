/**
 * Dense (fully connected) layer: z = a W^T + b over a batch a [m][in], with
 * W [out][in] (the course's `z = W a + b` with examples as rows).
 */
import type { Backend } from '../backend/backend.js';
import { allocate, Matrix, Workspace } from '../backend/tensor.js';
import type { DenseConfig, InitKind } from './config.js';
import { makeParam, type BuildContext, type Layer, type Param } from './layer.js';

export class Dense implements Layer {
  readonly type = 'dense';
  readonly outputSize: number;
  readonly useBias: boolean;
  readonly init: InitKind;
  private backend!: Backend;
  private weight!: Param; // [out][in]
  private bias: Param | null = null; // [out]
  private weightMatrix!: Matrix;
  private gradMatrix!: Matrix;
  private input: Matrix | null = null;
  private out!: Workspace; // z: [m][out]
  private dInput!: Workspace; // [m][in]

  constructor(config: DenseConfig) {
    if (!Number.isInteger(config.units) || config.units < 1) {
      throw new RangeError(`dense: units must be a positive integer, got ${config.units}`);
    }
    this.outputSize = config.units;
    this.useBias = config.bias ?? true;
    this.init = config.init ?? 'he';
  }

  build(inputSize: number, ctx: BuildContext): void {
    const out = this.outputSize;
    this.backend = ctx.backend;
    const w = allocate(ctx.dtype, out * inputSize, ctx.backend);
    // He: Var(W) = 2 / n_in (keeps ReLU activations' scale); Xavier: Var(W) = 1 / n_in (tanh).
    const std = Math.sqrt((this.init === 'he' ? 2 : 1) / inputSize);
    for (let i = 0; i < w.length; i++) w[i] = ctx.rng.normal() * std;
    this.weight = makeParam('weight', w, [out, inputSize], true, ctx.backend);
    if (this.useBias) this.bias = makeParam('bias', allocate(ctx.dtype, out, ctx.backend), [out], false, ctx.backend);
    this.weightMatrix = new Matrix(out, inputSize, w);
    this.gradMatrix = new Matrix(out, inputSize, this.weight.grad);
    this.out = new Workspace(out, ctx.dtype, ctx.backend);
    this.dInput = new Workspace(inputSize, ctx.dtype, ctx.backend);
  }

  forward(x: Matrix, training: boolean): Matrix {
    const z = this.out.view(x.rows);
    this.backend.gemm(x, false, this.weightMatrix, true, z, 1, 0); // [m][in] x [in][out]
    if (this.bias) this.backend.addRowVector(z, this.bias.value);
    this.input = training ? x : null;
    return z;
  }

  backward(dz: Matrix, needInputGradient = true): Matrix {
    const x = this.input;
    if (!x) throw new Error('dense: backward called without a forward pass in training mode');
    this.backend.gemm(dz, true, x, false, this.gradMatrix, 1, 0); // dW = dz^T x: [out][in]
    if (this.bias) this.backend.sumRows(dz, this.bias.grad); // db = sum over the batch
    if (!needInputGradient) return dz; // the first layer: a third of its backward pass saved
    const dx = this.dInput.view(dz.rows);
    this.backend.gemm(dz, false, this.weightMatrix, false, dx, 1, 0); // dx = dz W: [m][in]
    return dx;
  }

  params(): readonly Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  buffers() {
    return [];
  }
}
