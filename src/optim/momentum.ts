/**
 * Gradient descent with momentum, in the course's form:
 *   v = beta * v + (1 - beta) * dW,   W -= lr * v   (v starts at 0, no bias correction).
 *
 * PyTorch's `SGD(momentum=beta)` keeps a plain sum instead, buf = beta * buf + g
 * (buf = g on the first step), which is always exactly v / (1 - beta). So this
 * optimizer with learning rate lr takes the very same steps as PyTorch's
 * `SGD(lr=lr * (1 - beta), momentum=beta)`, weight decay included.
 */
import type { Backend } from '../backend/backend.js';
import type { Param } from '../nn/layer.js';
import { checkBeta, Optimizer, type OptimizerConfig, type OptimizerOptions } from './optimizer.js';

export class Momentum extends Optimizer {
  readonly type = 'momentum';
  beta: number;

  /** @example new Momentum({ learningRate: 0.1, beta: 0.9 }) */
  constructor(options: OptimizerOptions & { beta?: number } = {}) {
    super(options, 0.01);
    this.beta = options.beta ?? 0.9;
    checkBeta('momentum beta', this.beta);
  }

  protected update(p: Param, weightDecay: number, backend: Backend): void {
    const [v] = this.slots(p, 1, backend);
    backend.momentumStep(p.value, p.grad, v, this.learningRate, this.beta, weightDecay);
  }

  toConfig(): OptimizerConfig {
    return { type: 'momentum', learningRate: this.learningRate, beta: this.beta, weightDecay: this.weightDecay, weightDecayOn: this.weightDecayOn };
  }
}
