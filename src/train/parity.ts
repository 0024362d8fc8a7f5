/**
 * The parity runner: replays the cases of a parity file (reference numbers
 * computed by PyTorch, see test/fixtures/parity.json and its `conventions`)
 * with caviar's layers and optimizers, and compares losses, first-step
 * gradients, parameters and running statistics after the last step, and
 * eval-mode probabilities.
 */
import type { Backend } from '../backend/backend.js';
import { Matrix, type DType } from '../backend/tensor.js';
import { batchNorm, dense, leakyRelu, type LayerConfig } from '../nn/config.js';
import { Network } from '../nn/network.js';
import { createOptimizer } from '../optim/index.js';
import type { OptimizerConfig } from '../optim/optimizer.js';

export interface ParityCase {
  name: string;
  model: Array<Record<string, unknown> & { type: string }>;
  loss: string;
  optimizer: Record<string, unknown> & { type: string };
  init: Record<string, number[] | number[][]>;
  batches: Array<{ x: number[][]; y: number[] }>;
  expected: {
    losses: number[];
    grads_step1: Record<string, number[] | number[][]>;
    params_after: Record<string, number[] | number[][]>;
    running_after: Record<string, number[]>;
    x_test: number[][];
    eval_probs: number[][];
  };
}

export interface ParityResult {
  name: string;
  ok: boolean;
  /** Largest |actual - expected| / |expected| over values with |expected| > atol. */
  maxRelativeError: number;
  maxAbsoluteError: number;
  /** Where the largest violation of the tolerance was, e.g. "params_after 1.gamma[3]". */
  worst: string;
  compared: number;
}

export interface ParityOptions {
  rtol?: number;
  atol?: number;
  dtype?: DType;
  backend?: Backend;
}

/** Runs one case. Throws a clear error if the case cannot be understood. */
export function runParityCase(c: ParityCase, options: ParityOptions = {}): ParityResult {
  const rtol = options.rtol ?? 1e-3;
  const atol = options.atol ?? 1e-5;
  const where = `case '${c.name}'`;
  const layers = c.model.map((l, i) => toLayerConfig(l, `${where}: model[${i}]`));
  const first = c.model[0];
  const inputSize = Number(first.in ?? (c.batches[0]?.x[0]?.length ?? 0));
  if (c.loss !== 'softmax_cross_entropy_mean') throw new Error(`${where}: unsupported loss '${c.loss}'`);
  const model = new Network({ inputSize, layers }, { dtype: options.dtype ?? 'float32', ...(options.backend ? { backend: options.backend } : {}) });
  model.loadStateDict(flatten(c.init), { strict: false, source: `${where}: init` });
  const missing = model.params().filter((p) => !(p.name in c.init)).map((p) => p.name);
  if (missing.length) throw new Error(`${where}: init lacks parameters ${missing.join(', ')}`);
  const optimizer = createOptimizer(toOptimizerConfig(c.optimizer, where));

  const cmp = new Comparison(rtol, atol);
  const params = model.params();
  c.batches.forEach((batch, step) => {
    const x = Matrix.fromRows(batch.x, model.dtype, `${where}: batches[${step}].x`);
    const loss = model.computeGradients(x, Int32Array.from(batch.y));
    cmp.value(`losses[${step}]`, loss, c.expected.losses[step]);
    if (step === 0) {
      for (const { name, param } of params) {
        const expected = c.expected.grads_step1[name];
        if (expected) cmp.array(`grads_step1 ${name}`, param.grad, expected.flat());
      }
    }
    optimizer.step(params.map((p) => p.param), model.backend);
  });
  for (const { name, param } of params) {
    const expected = c.expected.params_after[name];
    if (!expected) throw new Error(`${where}: expected.params_after lacks '${name}'`);
    cmp.array(`params_after ${name}`, param.value, expected.flat());
  }
  for (const { name, buffer } of model.buffers()) {
    const expected = c.expected.running_after[name];
    if (!expected) throw new Error(`${where}: expected.running_after lacks '${name}'`);
    cmp.array(`running_after ${name}`, buffer.value, expected);
  }
  const xTest = Matrix.fromRows(c.expected.x_test, model.dtype, `${where}: expected.x_test`);
  const probs = model.loss.probabilities(model.forward(xTest, false));
  cmp.array('eval_probs', probs.data, c.expected.eval_probs.flat());
  return { name: c.name, ok: cmp.ok, maxRelativeError: cmp.maxRel, maxAbsoluteError: cmp.maxAbs, worst: cmp.worst, compared: cmp.count };
}

/** Parses a parity file's text and runs every case. */
export function runParityFile(text: string, source: string, options: ParityOptions = {}): ParityResult[] {
  let doc: { format?: string; cases?: ParityCase[] };
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (!doc || !Array.isArray(doc.cases)) throw new Error(`${source}: expected an object with a 'cases' list`);
  return doc.cases.map((c) => runParityCase(c, options));
}

function toLayerConfig(l: Record<string, unknown> & { type: string }, where: string): LayerConfig {
  switch (l.type) {
    case 'dense':
      return dense(Number(l.out), { bias: l.bias !== false });
    case 'batchnorm':
      return batchNorm({ momentum: Number(l.momentum ?? 0.1), eps: Number(l.eps ?? 1e-5), runningVariance: 'unbiased' });
    case 'relu':
    case 'tanh':
    case 'sigmoid':
      return { type: l.type };
    case 'leaky_relu':
      return leakyRelu(l.negative_slope === undefined ? 0.01 : Number(l.negative_slope));
    default:
      throw new Error(`${where}: unknown layer type '${l.type}'`);
  }
}

function toOptimizerConfig(o: Record<string, unknown> & { type: string }, where: string): OptimizerConfig {
  // PyTorch applies weight decay to every parameter of its single group.
  const common = { learningRate: Number(o.lr), weightDecay: Number(o.weight_decay ?? 0), weightDecayOn: 'all' as const };
  switch (o.type) {
    case 'sgd':
      if (o.momentum) throw new Error(`${where}: PyTorch SGD momentum is not the course's form; use type 'momentum'`);
      return { type: 'sgd', ...common };
    case 'rmsprop':
      return { type: 'rmsprop', beta: Number(o.beta ?? 0.99), eps: Number(o.eps ?? 1e-8), ...common };
    case 'adam':
      return { type: 'adam', beta1: Number(o.beta1 ?? 0.9), beta2: Number(o.beta2 ?? 0.999), eps: Number(o.eps ?? 1e-8), ...common };
    default:
      throw new Error(`${where}: unknown optimizer '${o.type}'`);
  }
}

function flatten(tensors: Record<string, number[] | number[][]>): Record<string, { data: number[] }> {
  const out: Record<string, { data: number[] }> = {};
  for (const [name, v] of Object.entries(tensors)) out[name] = { data: (v as number[]).flat() };
  return out;
}

class Comparison {
  ok = true;
  maxRel = 0;
  maxAbs = 0;
  worst = '';
  count = 0;
  private worstExcess = -Infinity;

  constructor(
    private readonly rtol: number,
    private readonly atol: number,
  ) {}

  value(where: string, actual: number, expected: number | undefined): void {
    if (expected === undefined) throw new Error(`${where}: no expected value`);
    this.count++;
    const abs = Math.abs(actual - expected);
    const allowed = this.atol + this.rtol * Math.abs(expected);
    if (!(abs <= allowed)) this.ok = false;
    if (Math.abs(expected) > this.atol) this.maxRel = Math.max(this.maxRel, abs / Math.abs(expected));
    this.maxAbs = Math.max(this.maxAbs, abs);
    if (abs - allowed > this.worstExcess) {
      this.worstExcess = abs - allowed;
      this.worst = where;
    }
  }

  array(where: string, actual: ArrayLike<number>, expected: number[]): void {
    if (actual.length !== expected.length) {
      throw new Error(`${where}: ${actual.length} values computed, ${expected.length} expected`);
    }
    for (let i = 0; i < expected.length; i++) this.value(`${where}[${i}]`, actual[i], expected[i]);
  }
}
