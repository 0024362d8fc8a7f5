import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Activation } from '../../src/nn/activation.js';
import { BatchNorm } from '../../src/nn/batchnorm.js';
import { createLayer, LAYER_TYPES } from '../../src/nn/build.js';
import type { LayerConfig } from '../../src/nn/config.js';
import { Dense } from '../../src/nn/dense.js';
import { Dropout } from '../../src/nn/dropout.js';

test('every layer type builds its layer, in the order error messages list them', () => {
  const configs: Record<(typeof LAYER_TYPES)[number], LayerConfig> = {
    dense: { type: 'dense', units: 3 }, relu: { type: 'relu' }, leakyRelu: { type: 'leakyRelu', slope: 0.2 },
    tanh: { type: 'tanh' }, sigmoid: { type: 'sigmoid' }, linear: { type: 'linear' }, batchNorm: { type: 'batchNorm' },
    dropout: { type: 'dropout', rate: 0.5 },
  };
  assert.deepEqual(LAYER_TYPES, ['dense', 'relu', 'leakyRelu', 'tanh', 'sigmoid', 'linear', 'batchNorm', 'dropout']);
  const kinds = LAYER_TYPES.map((type) => createLayer(configs[type]).constructor);
  assert.deepEqual(kinds, [Dense, Activation, Activation, Activation, Activation, Activation, BatchNorm, Dropout]);
});

test('an unknown type, a prototype name included, is refused naming where and the types there are', () => {
  for (const type of ['conv', 'toString', undefined]) {
    assert.throws(
      () => createLayer({ type } as unknown as LayerConfig, 'layers[2]'),
      (err: Error) => err instanceof TypeError
        && err.message === `layers[2]: unknown layer type ${JSON.stringify(type)}; expected one of ${LAYER_TYPES.join(', ')}`,
    );
  }
  assert.throws(() => createLayer({ type: 'dropout', rate: 1 }, 'layers[4]'), (err: Error) => err instanceof RangeError && /^layers\[4\]: /.test(err.message));
});
