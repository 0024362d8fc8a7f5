/**
 * Inverted dropout: while training, each unit is kept with probability
 * keep = 1 - rate and scaled by 1 / keep, so that nothing needs rescaling at
 * test time (eval mode passes activations through unchanged).
 */
import type { Backend } from '../backend/backend.js';
import { Workspace, type Matrix } from '../backend/tensor.js';
import { Rng } from '../util/rng.js';
import type { DropoutConfig } from './config.js';
import type { BuildContext, Layer } from './layer.js';

export class Dropout implements Layer {
  readonly type = 'dropout';
  outputSize = 0;
  private dropRate: number;
  private backend!: Backend;
  private rng = new Rng(0);
  private mask!: Workspace; // [m][n]: 0 or 1 / keep
  private out!: Workspace;
  private dInput!: Workspace;
  private lastMask: Matrix | null = null;

  constructor(config: DropoutConfig) {
    if (!(config.rate >= 0 && config.rate < 1)) {
      throw new RangeError(`dropout: rate must be in [0, 1), got ${config.rate}`);
    }
    this.dropRate = config.rate;
  }

  /** The fraction of units dropped while training; a person may change it mid-run. */
  get rate(): number {
    return this.dropRate;
  }

  set rate(rate: number) {
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout: rate must be in [0, 1), got ${rate}`);
    this.dropRate = rate;
  }

  build(inputSize: number, ctx: BuildContext): void {
    this.outputSize = inputSize;
    this.backend = ctx.backend;
    this.rng = ctx.rng.fork();
    this.mask = new Workspace(inputSize, ctx.dtype, ctx.backend);
    this.out = new Workspace(inputSize, ctx.dtype, ctx.backend);
    this.dInput = new Workspace(inputSize, ctx.dtype, ctx.backend);
  }

  reseed(seed: number): void {
    this.rng.reseed(seed);
  }

  forward(x: Matrix, training: boolean): Matrix {
    if (!training || this.rate === 0) {
      this.lastMask = null;
      return x;
    }
    const keep = 1 - this.rate;
    const mask = this.mask.view(x.rows);
    // The mask is drawn here, from the model's seeded stream, rather than in a
    // backend kernel, so every backend sees the very same mask for a seed.
    const d = mask.data;
    for (let i = 0; i < x.rows * x.cols; i++) d[i] = this.rng.uniform() < keep ? 1 / keep : 0;
    const out = this.out.view(x.rows);
    this.backend.multiply(x, mask, out);
    this.lastMask = mask;
    return out;
  }

  backward(dOut: Matrix): Matrix {
    if (!this.lastMask) return dOut; // eval mode or rate 0: identity
    const dx = this.dInput.view(dOut.rows);
    this.backend.multiply(dOut, this.lastMask, dx);
    return dx;
  }

  params() {
    return [];
  }

  buffers() {
    return [];
  }
}
