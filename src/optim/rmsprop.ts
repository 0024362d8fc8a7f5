/**
 * RMSprop: s = beta * s + (1 - beta) * g^2,  w -= lr * g / (sqrt(s) + eps).
 * Matches PyTorch's `RMSprop(alpha=beta, eps=eps)` (eps outside the root).
 */
import type { Backend } from '../backend/backend.js';
import type { Param } from '../nn/layer.js';
import { checkBeta, checkPositive, Optimizer, type OptimizerConfig, type OptimizerOptions } from './optimizer.js';

export class RMSprop extends Optimizer {
  readonly type = 'rmsprop';
  beta: number;
  eps: number;

  /** @example new RMSprop({ learningRate: 0.001, beta: 0.9 }) */
  constructor(options: OptimizerOptions & { beta?: number; eps?: number } = {}) {
    super(options, 0.001);
    this.beta = options.beta ?? 0.9;
    this.eps = options.eps ?? 1e-8;
    checkBeta('rmsprop beta', this.beta);
    checkPositive('rmsprop eps', this.eps);
  }

  protected update(p: Param, weightDecay: number, backend: Backend): void {
    const [s] = this.slots(p, 1, backend);
    backend.rmspropStep(p.value, p.grad, s, this.learningRate, this.beta, this.eps, weightDecay);
  }

  toConfig(): OptimizerConfig {
    return { type: 'rmsprop', learningRate: this.learningRate, beta: this.beta, eps: this.eps, weightDecay: this.weightDecay, weightDecayOn: this.weightDecayOn };
  }
}
