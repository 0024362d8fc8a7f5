/** Mini-batch gradient descent: w -= lr * g'. */
import type { Backend } from '../backend/backend.js';
import type { Param } from '../nn/layer.js';
import { Optimizer, type OptimizerConfig, type OptimizerOptions } from './optimizer.js';

export class SGD extends Optimizer {
  readonly type = 'sgd';

  /** @example new SGD({ learningRate: 0.1 }) */
  constructor(options: OptimizerOptions = {}) {
    super(options, 0.01);
  }

  protected update(p: Param, weightDecay: number, backend: Backend): void {
    backend.sgdStep(p.value, p.grad, this.learningRate, weightDecay);
  }

  toConfig(): OptimizerConfig {
    return { type: 'sgd', learningRate: this.learningRate, weightDecay: this.weightDecay, weightDecayOn: this.weightDecayOn };
  }
}
