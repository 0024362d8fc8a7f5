/**
 * Adam: momentum and RMSprop together, with bias correction.
 *   v = b1 v + (1 - b1) g,  s = b2 s + (1 - b2) g^2,
 *   w -= lr * (v / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps),  t = 1, 2, ...
 * Defaults are the course's (and PyTorch's): b1 0.9, b2 0.999, eps 1e-8.
 */
import type { Backend } from '../backend/backend.js';
import type { Param } from '../nn/layer.js';
import { checkBeta, checkPositive, Optimizer, type OptimizerConfig, type OptimizerOptions } from './optimizer.js';

export class Adam extends Optimizer {
  readonly type = 'adam';
  beta1: number;
  beta2: number;
  eps: number;

  /** @example new Adam({ learningRate: 0.001 }) */
  constructor(options: OptimizerOptions & { beta1?: number; beta2?: number; eps?: number } = {}) {
    super(options, 0.001);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    checkBeta('adam beta1', this.beta1);
    checkBeta('adam beta2', this.beta2);
    checkPositive('adam eps', this.eps);
  }

  protected update(p: Param, weightDecay: number, backend: Backend): void {
    const [v, s] = this.slots(p, 2, backend);
    backend.adamStep(p.value, p.grad, v, s, this.learningRate, this.beta1, this.beta2, this.eps, this.steps, weightDecay);
  }

  toConfig(): OptimizerConfig {
    return {
      type: 'adam', learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, eps: this.eps,
      weightDecay: this.weightDecay, weightDecayOn: this.weightDecayOn,
    };
  }
}
