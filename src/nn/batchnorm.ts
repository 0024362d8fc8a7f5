/**
 * Batch normalization, placed between a dense layer's z and its activation:
 *   mu = mean(z), var = mean((z - mu)^2) over the mini-batch,
 *   zNorm = (z - mu) / sqrt(var + eps), zTilde = gamma * zNorm + beta.
 * Training normalizes with the batch's own statistics and updates
 * exponentially weighted running averages of them; eval mode uses those
 * averages, so a single example can be classified.
 */
import type { Backend } from '../backend/backend.js';
import { allocate, Workspace, type FloatArray, type Matrix } from '../backend/tensor.js';
import type { BatchNormConfig } from './config.js';
import { makeParam, type BufferTensor, type BuildContext, type Layer, type Param } from './layer.js';

export class BatchNorm implements Layer {
  readonly type = 'batchNorm';
  outputSize = 0;
  readonly momentum: number;
  readonly eps: number;
  readonly runningVariance: 'unbiased' | 'biased';
  private backend!: Backend;
  private gamma!: Param; // [n]
  private beta!: Param; // [n]
  private runningMean!: BufferTensor; // [n], starts at 0
  private runningVar!: BufferTensor; // [n], starts at 1
  private mean!: FloatArray; // this batch's statistics: [n]
  private variance!: FloatArray;
  private invStd!: FloatArray;
  private zHat!: Workspace; // [m][n], kept for backward
  private out!: Workspace;
  private dInput!: Workspace;
  private trainedBatch: Matrix | null = null;

  constructor(config: BatchNormConfig = { type: 'batchNorm' }) {
    this.momentum = config.momentum ?? 0.1;
    this.eps = config.eps ?? 1e-5;
    this.runningVariance = config.runningVariance ?? 'unbiased';
    if (!(this.momentum > 0 && this.momentum <= 1)) {
      throw new RangeError(`batchNorm: momentum must be in (0, 1], got ${this.momentum}`);
    }
    if (!(this.eps > 0)) throw new RangeError(`batchNorm: eps must be > 0, got ${this.eps}`);
    if (this.runningVariance !== 'unbiased' && this.runningVariance !== 'biased') {
      throw new RangeError(`batchNorm: runningVariance must be 'unbiased' or 'biased', got '${this.runningVariance}'`);
    }
  }

  build(inputSize: number, ctx: BuildContext): void {
    const n = inputSize;
    this.outputSize = n;
    this.backend = ctx.backend;
    this.gamma = makeParam('gamma', allocate(ctx.dtype, n, ctx.backend).fill(1), [n], false, ctx.backend);
    this.beta = makeParam('beta', allocate(ctx.dtype, n, ctx.backend), [n], false, ctx.backend);
    this.runningMean = { name: 'running_mean', value: allocate(ctx.dtype, n, ctx.backend), shape: [n] };
    this.runningVar = { name: 'running_var', value: allocate(ctx.dtype, n, ctx.backend).fill(1), shape: [n] };
    this.mean = allocate(ctx.dtype, n, ctx.backend);
    this.variance = allocate(ctx.dtype, n, ctx.backend);
    this.invStd = allocate(ctx.dtype, n, ctx.backend);
    this.zHat = new Workspace(n, ctx.dtype, ctx.backend);
    this.out = new Workspace(n, ctx.dtype, ctx.backend);
    this.dInput = new Workspace(n, ctx.dtype, ctx.backend);
  }

  forward(z: Matrix, training: boolean): Matrix {
    const out = this.out.view(z.rows);
    if (!training) {
      this.trainedBatch = null;
      this.backend.batchNormEval(
        z, this.gamma.value, this.beta.value, this.runningMean.value, this.runningVar.value, this.eps, out,
      );
      return out;
    }
    const m = z.rows;
    if (m < 2) {
      throw new RangeError(
        'batchNorm: a training batch of one example has no variance to normalize with; ' +
          'use a batch size of at least 2 (the last mini-batch too), or evaluate in eval mode',
      );
    }
    const zHat = this.zHat.view(m);
    this.backend.batchNormTrain(
      z, this.gamma.value, this.beta.value, this.eps, this.mean, this.variance, this.invStd, zHat, out,
    );
    // Exponentially weighted averages for test time. PyTorch feeds the unbiased variance.
    const k = this.momentum;
    const correction = this.runningVariance === 'unbiased' ? m / (m - 1) : 1;
    const rm = this.runningMean.value;
    const rv = this.runningVar.value;
    for (let j = 0; j < rm.length; j++) {
      rm[j] = (1 - k) * rm[j] + k * this.mean[j];
      rv[j] = (1 - k) * rv[j] + k * this.variance[j] * correction;
    }
    this.trainedBatch = zHat;
    return out;
  }

  backward(dOut: Matrix): Matrix {
    const zHat = this.trainedBatch;
    if (!zHat) throw new Error('batchNorm: backward called without a forward pass in training mode');
    const dz = this.dInput.view(dOut.rows);
    this.backend.batchNormBackward(dOut, zHat, this.gamma.value, this.invStd, dz, this.gamma.grad, this.beta.grad);
    return dz;
  }

  params(): readonly Param[] {
    return [this.gamma, this.beta];
  }

  buffers(): readonly BufferTensor[] {
    return [this.runningMean, this.runningVar];
  }
}
