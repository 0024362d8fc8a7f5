/**
 * The optimizer base: one `step` over all parameters, per-parameter state
 * kept by the optimizer (allocated once, on first use), and L2 weight decay
 * folded into the gradient, g' = g + weightDecay * w.
 *
 * L2 regularization and weight decay are the same thing here: the course's
 * cost term lambda / (2m) * ||W||^2 adds (lambda / m) * W to dW, so
 * `weightDecay = lambda / m`. By default it applies to weights only (as in
 * the course); `weightDecayOn: 'all'` also decays biases, gamma and beta, as
 * PyTorch does with a single parameter group.
 */
import type { Backend } from '../backend/backend.js';
import type { FloatArray } from '../backend/tensor.js';
import type { Param } from '../nn/layer.js';

export interface OptimizerOptions {
  learningRate?: number;
  /** L2 weight decay (lambda / m). Default 0. */
  weightDecay?: number;
  /** Which parameters decay: 'weights' (default, the course) or 'all' (PyTorch's single group). */
  weightDecayOn?: 'weights' | 'all';
}

export abstract class Optimizer {
  abstract readonly type: string;
  /** The current learning rate; schedules and hooks change it between steps. */
  learningRate: number;
  readonly weightDecay: number;
  readonly weightDecayOn: 'weights' | 'all';
  /** Number of steps taken so far (Adam's t after the step). */
  steps = 0;
  private readonly state = new Map<Param, FloatArray[]>();

  constructor(options: OptimizerOptions, defaultLearningRate: number) {
    this.learningRate = options.learningRate ?? defaultLearningRate;
    this.weightDecay = options.weightDecay ?? 0;
    this.weightDecayOn = options.weightDecayOn ?? 'weights';
    checkPositive(`${this.constructor.name}: learningRate`, this.learningRate);
    if (!(this.weightDecay >= 0)) throw new RangeError(`weightDecay must be >= 0, got ${this.weightDecay}`);
    if (this.weightDecayOn !== 'weights' && this.weightDecayOn !== 'all') {
      throw new RangeError(`weightDecayOn must be 'weights' or 'all', got '${this.weightDecayOn}'`);
    }
  }

  /** Updates every parameter from its gradient. */
  step(params: readonly Param[], backend: Backend): void {
    checkPositive('learning rate', this.learningRate);
    this.steps++;
    for (const p of params) {
      const decay = p.decay || this.weightDecayOn === 'all' ? this.weightDecay : 0;
      this.update(p, decay, backend);
    }
  }

  /** The options that rebuild this optimizer (for saving and reports). */
  abstract toConfig(): OptimizerConfig;

  protected abstract update(p: Param, weightDecay: number, backend: Backend): void;

  /** Zero-initialized state arrays for a parameter, created on its first step. */
  protected slots(p: Param, count: number): FloatArray[] {
    let s = this.state.get(p);
    if (!s) {
      s = Array.from({ length: count }, () => new (p.value.constructor as { new (n: number): FloatArray })(p.value.length));
      this.state.set(p, s);
    }
    return s;
  }
}

export type OptimizerConfig =
  | ({ type: 'sgd' } & OptimizerOptions)
  | ({ type: 'momentum'; beta?: number } & OptimizerOptions)
  | ({ type: 'rmsprop'; beta?: number; eps?: number } & OptimizerOptions)
  | ({ type: 'adam'; beta1?: number; beta2?: number; eps?: number } & OptimizerOptions);

export function checkPositive(what: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${what} must be a positive number, got ${value}`);
}

export function checkBeta(what: string, value: number): void {
  if (!(value >= 0 && value < 1)) throw new RangeError(`${what} must be in [0, 1), got ${value}`);
}
