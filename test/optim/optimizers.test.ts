import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../src/backend/reference.js';
import { makeParam } from '../../src/nn/layer.js';
import { Adam, Momentum, RMSprop, SGD, createOptimizer, type Optimizer } from '../../src/optim/index.js';
import { golden } from './golden.js';

const backend = new ReferenceBackend();

/** The gradient sequence of golden.py: g_t for t = 1..5. */
function gradientAt(t: number): number[] {
  return [0.1 * t, -0.2, 0.3 - 0.05 * t, 0];
}

function run(optimizer: Optimizer, steps: number): number[][] {
  const p = makeParam('weight', Float64Array.from([0.5, -1.0, 2.0, 0.25]), [4], true);
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    p.grad.set(gradientAt(t));
    optimizer.step([p], backend);
    out.push(Array.from(p.value));
  }
  return out;
}

function assertClose(actual: number[][], expected: number[][], tol = 1e-12): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, t) =>
    row.forEach((v, i) => assert.ok(Math.abs(v - expected[t][i]) <= tol, `step ${t + 1}, w[${i}]: ${v} vs ${expected[t][i]}`)),
  );
}

const cases: Array<[string, () => Optimizer]> = [
  ['sgd', () => new SGD({ learningRate: 0.1, weightDecay: 0.01 })],
  ['momentum', () => new Momentum({ learningRate: 0.1, beta: 0.9, weightDecay: 0.01 })],
  ['rmsprop', () => new RMSprop({ learningRate: 0.01, beta: 0.9, eps: 1e-8, weightDecay: 0.01 })],
  ['adam', () => new Adam({ learningRate: 0.01, weightDecay: 0.01 })],
];

for (const [name, make] of cases) {
  test(`${name}: five steps match PyTorch's golden table`, () => {
    assertClose(run(make(), 5), golden[name]);
  });
}

test('one step with a known answer, by hand', () => {
  // SGD: w = 0.5 - 0.1 * (0.1 + 0.01 * 0.5) = 0.4895
  assert.ok(Math.abs(run(new SGD({ learningRate: 0.1, weightDecay: 0.01 }), 1)[0][0] - 0.4895) < 1e-15);
  // Momentum (course form): v = 0.1 * (0.1 + 0.005) = 0.0105, w = 0.5 - 0.1 * 0.0105 = 0.49895
  assert.ok(Math.abs(run(new Momentum({ learningRate: 0.1, beta: 0.9, weightDecay: 0.01 }), 1)[0][0] - 0.49895) < 1e-15);
  // Adam's first step moves each weight by about lr * sign(g): bias correction undoes the (1 - beta) factors.
  const adam = run(new Adam({ learningRate: 0.01 }), 1)[0];
  assert.ok(Math.abs(adam[0] - (0.5 - (0.01 * 0.1) / (0.1 + 1e-8))) < 1e-15);
  assert.ok(Math.abs(adam[1] - (-1.0 + (0.01 * 0.2) / (0.2 + 1e-8))) < 1e-15);
  assert.equal(adam[3], 0.25); // zero gradient, no decay: unchanged
  // RMSprop's first step: s = 0.1 g^2, w -= lr g / (sqrt(0.1 g^2) + eps), about lr / sqrt(0.1)
  const rms = run(new RMSprop({ learningRate: 0.01, beta: 0.9 }), 1)[0];
  assert.ok(Math.abs(rms[0] - (0.5 - (0.01 * 0.1) / (Math.sqrt(0.1 * 0.01) + 1e-8))) < 1e-15);
});

test('weight decay applies to weights only by default, to every parameter with weightDecayOn all', () => {
  const w = makeParam('weight', Float64Array.from([1]), [1], true);
  const b = makeParam('bias', Float64Array.from([1]), [1], false);
  new SGD({ learningRate: 0.5, weightDecay: 0.1 }).step([w, b], backend);
  assert.equal(w.value[0], 1 - 0.5 * 0.1);
  assert.equal(b.value[0], 1);
  new SGD({ learningRate: 0.5, weightDecay: 0.1, weightDecayOn: 'all' }).step([b], backend);
  assert.equal(b.value[0], 1 - 0.5 * 0.1);
});

test('optimizer configs round trip and bad settings are clear errors', () => {
  const adam = new Adam({ learningRate: 0.003, beta1: 0.8 });
  const again = createOptimizer(adam.toConfig()) as Adam;
  assert.equal(again.learningRate, 0.003);
  assert.equal(again.beta1, 0.8);
  assert.equal(again.beta2, 0.999);
  assert.equal(again.eps, 1e-8);
  assert.throws(() => new SGD({ learningRate: 0 }), /learningRate must be a positive number, got 0/);
  assert.throws(() => new Momentum({ beta: 1 }), /momentum beta must be in \[0, 1\), got 1/);
  assert.throws(() => createOptimizer({ type: 'adamw' } as never), /unknown optimizer "adamw"; expected one of sgd, momentum, rmsprop, adam/);
});
