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
import { allocate, dtypeOf, type FloatArray } from '../backend/tensor.js';
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
  /** Mutable so a person can change it mid-run (see `adjust`). */
  weightDecay: number;
  readonly weightDecayOn: 'weights' | 'all';
  /** Number of steps taken so far (Adam's t after the step). */
  steps = 0;
  private readonly state = new Map<Param, FloatArray[]>();
  /** State restored from a checkpoint before any step, in plain arrays: moved into the backend's storage at the next step. */
  private readonly restored = new WeakSet<FloatArray[]>();

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

  /**
   * Changes hyperparameters between steps, the panda way: `{ learningRate,
   * weightDecay, beta, beta1, beta2, eps }`, whichever this optimizer has.
   * Each value is checked as the constructor checks it; nothing changes if
   * any is wrong.
   *
   * @example adam.adjust({ learningRate: 3e-4, beta1: 0.95 })
   */
  adjust(changes: Readonly<Record<string, number>>): void {
    const config = this.toConfig() as unknown as Record<string, unknown>;
    const adjustable = Object.keys(config).filter((k) => typeof config[k] === 'number');
    for (const [name, value] of Object.entries(changes)) {
      if (!adjustable.includes(name)) {
        throw new RangeError(`${this.type} has no hyperparameter "${name}" to change (it has: ${adjustable.join(', ')})`);
      }
      if (name === 'weightDecay') {
        if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`weightDecay must be >= 0, got ${value}`);
      } else if (name.startsWith('beta')) checkBeta(`${this.type} ${name}`, value);
      else checkPositive(`${this.type} ${name}`, value);
    }
    Object.assign(this, changes);
  }

  /** The state arrays of a parameter (moments), or undefined before its first step: for checkpoints. */
  stateOf(p: Param): readonly FloatArray[] | undefined {
    return this.state.get(p);
  }

  /** Replaces a parameter's state arrays with copies of `arrays` (from a checkpoint). */
  restoreState(p: Param, arrays: readonly ArrayLike<number>[]): void {
    this.state.delete(p);
    if (arrays.length === 0) return;
    const slots = arrays.map((a) => {
      if (a.length !== p.value.length) {
        throw new RangeError(`optimizer state for a parameter of ${p.value.length} values has ${a.length}`);
      }
      const copy = allocate(dtypeOf(p.value), a.length);
      copy.set(a);
      return copy;
    });
    this.state.set(p, slots);
    this.restored.add(slots);
  }

  /** The options that rebuild this optimizer (for saving and reports). */
  abstract toConfig(): OptimizerConfig;

  protected abstract update(p: Param, weightDecay: number, backend: Backend): void;

  /**
   * A parameter's state arrays, zero-initialized on its first step, in the
   * backend's storage where it keeps its own (see `allocate` in tensor.ts).
   */
  protected slots(p: Param, count: number, backend: Backend): FloatArray[] {
    let s = this.state.get(p);
    if (!s || this.restored.has(s)) {
      const old = s;
      s = Array.from({ length: count }, (_, i) => {
        const slot = allocate(dtypeOf(p.value), p.value.length, backend);
        if (old) slot.set(old[i]);
        return slot;
      });
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
