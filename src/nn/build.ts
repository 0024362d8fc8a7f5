/** Turns layer configs (plain data) into layer objects, validating as it goes. */
import { Activation } from './activation.js';
import { BatchNorm } from './batchnorm.js';
import type { LayerConfig } from './config.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import type { Layer } from './layer.js';

export const LAYER_TYPES = ['dense', 'relu', 'leakyRelu', 'tanh', 'sigmoid', 'linear', 'batchNorm', 'dropout'] as const;

export function createLayer(config: LayerConfig, where = 'layer'): Layer {
  try {
    switch (config.type) {
      case 'dense':
        return new Dense(config);
      case 'relu':
      case 'tanh':
      case 'sigmoid':
      case 'linear':
        return new Activation(config.type);
      case 'leakyRelu':
        return new Activation('leakyRelu', config.slope ?? 0.01);
      case 'batchNorm':
        return new BatchNorm(config);
      case 'dropout':
        return new Dropout(config);
      default: {
        const type = (config as { type?: unknown }).type;
        throw new TypeError(`unknown layer type ${JSON.stringify(type)}; expected one of ${LAYER_TYPES.join(', ')}`);
      }
    }
  } catch (err) {
    throw new (err instanceof TypeError ? TypeError : RangeError)(`${where}: ${(err as Error).message}`);
  }
}
