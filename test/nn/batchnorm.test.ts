import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../src/backend/reference.js';
import { Matrix } from '../../src/backend/tensor.js';
import { BatchNorm } from '../../src/nn/batchnorm.js';
import { Rng } from '../../src/util/rng.js';

function build(config: ConstructorParameters<typeof BatchNorm>[0]) {
  const bn = new BatchNorm(config);
  bn.build(2, { backend: new ReferenceBackend(), dtype: 'float64', rng: new Rng(0) });
  return bn;
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('training mode normalizes with the batch mean and biased variance, then scales by gamma and shifts by beta', () => {
  const bn = build({ type: 'batchNorm', eps: 1e-5 });
  const [gamma, beta] = bn.params();
  gamma.value.set([2, 1]);
  beta.value.set([0.5, -1]);
  // feature 0: 1, 2, 3 (mean 2, biased var 2/3); feature 1: 10, 10, 40 (mean 20, var 200)
  const z = Matrix.fromRows([[1, 10], [2, 10], [3, 40]], 'float64');
  const out = bn.forward(z, true);
  const inv0 = 1 / Math.sqrt(2 / 3 + 1e-5);
  const inv1 = 1 / Math.sqrt(200 + 1e-5);
  close(out.get(0, 0), 2 * (1 - 2) * inv0 + 0.5, 'out[0][0]');
  close(out.get(2, 0), 2 * (3 - 2) * inv0 + 0.5, 'out[2][0]');
  close(out.get(2, 1), (40 - 20) * inv1 - 1, 'out[2][1]');
});

test('running averages: momentum weights the new batch; unbiased (PyTorch) or biased (Keras) variance', () => {
  const z = Matrix.fromRows([[1, 10], [2, 10], [3, 40]], 'float64');
  const unbiased = build({ type: 'batchNorm', momentum: 0.1 });
  unbiased.forward(z, true);
  const [mean, variance] = unbiased.buffers();
  close(mean.value[0], 0.9 * 0 + 0.1 * 2, 'running mean');
  close(variance.value[0], 0.9 * 1 + 0.1 * 1, 'running var (unbiased: 2/3 * 3/2 = 1)');
  close(variance.value[1], 0.9 * 1 + 0.1 * 300, 'running var feature 1');
  const biased = build({ type: 'batchNorm', momentum: 0.5, runningVariance: 'biased' });
  biased.forward(z, true);
  close(biased.buffers()[1].value[0], 0.5 * 1 + 0.5 * (2 / 3), 'running var (biased)');
});

test('eval mode uses the running averages and classifies a single example', () => {
  const bn = build({ type: 'batchNorm', eps: 0.001 });
  const [mean, variance] = bn.buffers();
  mean.value.set([1, -2]);
  variance.value.set([4, 0.25]);
  const out = bn.forward(Matrix.fromRows([[3, -2]], 'float64'), false);
  close(out.get(0, 0), 2 / Math.sqrt(4.001), 'eval out[0]');
  close(out.get(0, 1), 0, 'eval out[1]');
});

test('a training batch of one is a clear error', () => {
  const bn = build({ type: 'batchNorm' });
  assert.throws(() => bn.forward(Matrix.fromRows([[1, 2]], 'float64'), true), /batch of one example has no variance/);
});

test('bad settings are clear errors', () => {
  assert.throws(() => new BatchNorm({ type: 'batchNorm', momentum: 0 }), /momentum must be in \(0, 1\], got 0/);
  assert.throws(() => new BatchNorm({ type: 'batchNorm', eps: -1 }), /eps must be > 0/);
  assert.throws(() => new BatchNorm({ type: 'batchNorm', runningVariance: 'both' as never }), /runningVariance must be 'unbiased' or 'biased'/);
});
