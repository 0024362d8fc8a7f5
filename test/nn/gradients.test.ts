// Finite-difference gradient checks (float64) for every layer and loss, each
// inside the smallest model that exercises it, with respect to the
// parameters and to the inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchNorm, dense, dropout, leakyRelu, linear, relu, sigmoid, tanh, type LayerConfig, type LossKind } from '../../src/nn/config.js';
import { Sequential } from '../../src/nn/model.js';
import { gradientCheck } from '../../src/train/gradient-check.js';
import { Rng } from '../../src/util/rng.js';
import { ReferenceBackend } from '../../src/backend/reference.js';
import type { ActivationKind } from '../../src/backend/backend.js';
import type { Matrix } from '../../src/backend/tensor.js';

function data(count: number, features: number, classes: number, seed: number) {
  const rng = new Rng(seed);
  const x = Array.from({ length: count }, () => Array.from({ length: features }, () => rng.normal()));
  const y = Array.from({ length: count }, () => rng.int(classes));
  return { x, y };
}

function check(layers: LayerConfig[], loss: LossKind = 'softmaxCrossEntropy', classes = 3) {
  const model = new Sequential({ inputSize: 4, layers, loss }, { seed: 3, dtype: 'float64' });
  const { x, y } = data(6, 4, classes, 11);
  return gradientCheck(model, x, y);
}

const cases: Array<[string, LayerConfig[], LossKind?, number?]> = [
  ['dense + softmax cross-entropy (softmax regression)', [dense(3)]],
  ['dense without bias, Xavier init', [dense(5, { bias: false, init: 'xavier' }), tanh(), dense(3)]],
  ['relu', [dense(5), relu(), dense(3)]],
  ['leaky relu', [dense(5), leakyRelu(0.1), dense(3)]],
  ['tanh', [dense(5), tanh(), dense(3)]],
  ['sigmoid', [dense(5), sigmoid(), dense(3)]],
  ['linear', [dense(5), linear(), dense(3)]],
  ['batch norm (training-mode backward)', [dense(5, { bias: false }), batchNorm(), relu(), dense(3)]],
  ['batch norm feeding the loss directly', [dense(3, { bias: false }), batchNorm({ eps: 1e-3 })]],
  ['inverted dropout (mask held fixed)', [dense(6), relu(), dropout(0.3), dense(3)]],
  ['sigmoid + binary cross-entropy', [dense(4), tanh(), dense(1)], 'sigmoidBinaryCrossEntropy', 2],
];

for (const [name, layers, loss, classes] of cases) {
  test(`gradient check: ${name}`, () => {
    const result = check(layers, loss, classes);
    for (const t of result.tensors) {
      assert.ok(t.relativeError < 1e-6, `${t.name}: relative error ${t.relativeError}`);
      assert.ok(t.checked > 0);
    }
    assert.ok(result.tensors.some((t) => t.name === 'input'));
    assert.equal(result.tensors.length, new Sequential({ inputSize: 4, layers, loss: loss ?? 'softmaxCrossEntropy' }).params().length + 1);
  });
}

test('gradient check catches a wrong backward pass', () => {
  // A backend whose tanh derivative is 1 - a instead of 1 - a^2.
  class BrokenTanh extends ReferenceBackend {
    override activationBackward(kind: ActivationKind, slope: number, z: Matrix, a: Matrix, da: Matrix, dz: Matrix): void {
      if (kind !== 'tanh') return super.activationBackward(kind, slope, z, a, da, dz);
      for (let i = 0; i < dz.data.length; i++) dz.data[i] = da.data[i] * (1 - a.data[i]);
    }
  }
  const model = new Sequential({ inputSize: 4, layers: [dense(5), tanh(), dense(3)] }, { dtype: 'float64' });
  const { x, y } = data(6, 4, 3, 2);
  const result = gradientCheck(model, x, y, { backend: new BrokenTanh() });
  const first = result.tensors.find((t) => t.name === '0.weight');
  assert.ok(first && first.relativeError > 1e-2, `the broken derivative must show: ${first?.relativeError}`);
  const last = result.tensors.find((t) => t.name === '2.weight');
  assert.ok(last && last.relativeError < 1e-6, 'layers after the bug are still right');
});
