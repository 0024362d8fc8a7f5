/**
 * Gradient checking, the course's way: compare the analytic gradients of
 * backpropagation with centred finite differences
 *   dTheta_approx[i] = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)
 * by their relative difference ||d_approx - d|| / (||d_approx|| + ||d||).
 * It runs on a float64 copy of the model (so float32 rounding does not drown
 * the signal) with dropout masks held fixed. Around 1e-7 is right; above 1e-5
 * deserves a look; above 1e-3 there is a bug.
 */
import type { Backend } from '../backend/backend.js';
import { ReferenceBackend } from '../backend/reference.js';
import { Matrix } from '../backend/tensor.js';
import type { Network } from '../nn/network.js';
import { Rng } from '../util/rng.js';
import { toExamples, toLabels, type Inputs, type Labels } from './inputs.js';

export interface GradientCheckOptions {
  /** Finite-difference step. Default 1e-6. */
  epsilon?: number;
  /** Check at most this many entries per tensor (chosen at random, seeded). Default: all. */
  maxEntries?: number;
  /** Also check the gradient with respect to the inputs. Default true. */
  checkInputs?: boolean;
  seed?: number;
  /** Backend to check (it must support float64). Default: a fresh reference backend. */
  backend?: Backend;
}

export interface TensorCheck {
  name: string;
  relativeError: number;
  maxAbsoluteError: number;
  checked: number;
}

export interface GradientCheckResult {
  /** Largest relative difference over every checked tensor. */
  maxRelativeError: number;
  tensors: TensorCheck[];
}

/**
 * @example
 *   const { maxRelativeError } = gradientCheck(model, x, y);
 *   assert(maxRelativeError < 1e-6);
 */
export function gradientCheck(model: Network, x: Inputs, y: Labels, options: GradientCheckOptions = {}): GradientCheckResult {
  const eps = options.epsilon ?? 1e-6;
  const net = model.clone({ dtype: 'float64', backend: options.backend ?? new ReferenceBackend() });
  const ex = toExamples(x, net.inputSize, 'gradientCheck x');
  const labels = toLabels(y, ex.count, net.classes, 'gradientCheck y');
  const input = new Matrix(ex.count, ex.features, Float64Array.from(ex.x));
  const pick = new Rng(options.seed ?? 0);

  const cost = (): number => {
    net.reseed(1);
    return net.loss.forward(net.forward(input, true), labels, false);
  };
  net.reseed(1);
  net.computeGradients(input, labels, { inputGradient: true });
  const tensors: TensorCheck[] = [];
  const check = (name: string, values: Float64Array, analytic: Float64Array): void => {
    const indices = chooseIndices(values.length, options.maxEntries, pick);
    let diff2 = 0, a2 = 0, n2 = 0, maxAbs = 0;
    for (const i of indices) {
      const saved = values[i];
      values[i] = saved + eps;
      const plus = cost();
      values[i] = saved - eps;
      const minus = cost();
      values[i] = saved;
      const numeric = (plus - minus) / (2 * eps);
      const d = numeric - analytic[i];
      diff2 += d * d;
      a2 += analytic[i] * analytic[i];
      n2 += numeric * numeric;
      maxAbs = Math.max(maxAbs, Math.abs(d));
    }
    const denom = Math.sqrt(a2) + Math.sqrt(n2);
    tensors.push({ name, relativeError: denom === 0 ? 0 : Math.sqrt(diff2) / denom, maxAbsoluteError: maxAbs, checked: indices.length });
  };
  for (const { name, param } of net.params()) {
    check(name, param.value as Float64Array, (param.grad as Float64Array).slice());
  }
  if (options.checkInputs ?? true) {
    const dx = net.lastInputGradient;
    if (dx) check('input', input.data as Float64Array, (dx.data as Float64Array).slice());
  }
  return { maxRelativeError: Math.max(0, ...tensors.map((t) => t.relativeError)), tensors };
}

function chooseIndices(length: number, max: number | undefined, rng: Rng): number[] {
  const all = Array.from({ length }, (_, i) => i);
  if (max === undefined || max >= length) return all;
  return rng.shuffle(all).slice(0, max);
}
