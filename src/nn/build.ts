/** Turns layer configs (plain data) into layer objects, validating as it goes. */
import { Activation } from './activation.js';
import { BatchNorm } from './batchnorm.js';
import type { LayerConfig } from './config.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import type { Layer } from './layer.js';

/**
 * One builder per layer type, the one table of the types there are: a
 * config type in config.ts without a line here does not compile.
 */
const BUILDERS: { [T in LayerConfig['type']]: (config: Extract<LayerConfig, { type: T }>) => Layer } = {
  dense: (config) => new Dense(config),
  relu: () => new Activation('relu'),
  leakyRelu: (config) => new Activation('leakyRelu', config.slope ?? 0.01),
  tanh: () => new Activation('tanh'),
  sigmoid: () => new Activation('sigmoid'),
  linear: () => new Activation('linear'),
  batchNorm: (config) => new BatchNorm(config),
  dropout: (config) => new Dropout(config),
};

export const LAYER_TYPES = Object.keys(BUILDERS) as ReadonlyArray<LayerConfig['type']>;

/**
 * The layer a config describes; a bad config throws naming `where`.
 * @example createLayer({ type: 'dense', units: 10 }, 'layers[3]'); // a Dense layer
 */
export function createLayer(config: LayerConfig, where = 'layer'): Layer {
  try {
    const type = (config as { type?: unknown }).type;
    if (typeof type !== 'string' || !Object.hasOwn(BUILDERS, type)) {
      throw new TypeError(`unknown layer type ${JSON.stringify(type)}; expected one of ${LAYER_TYPES.join(', ')}`);
    }
    return (BUILDERS[config.type] as (config: LayerConfig) => Layer)(config);
  } catch (err) {
    throw new (err instanceof TypeError ? TypeError : RangeError)(`${where}: ${(err as Error).message}`);
  }
}
