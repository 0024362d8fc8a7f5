/** Optimizers and learning-rate schedules. */
import { Adam } from './adam.js';
import { Momentum } from './momentum.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

export { Adam } from './adam.js';
export { Momentum } from './momentum.js';
export { Optimizer, type OptimizerConfig, type OptimizerOptions } from './optimizer.js';
export { RMSprop } from './rmsprop.js';
export { SGD } from './sgd.js';
export * from './schedules.js';

export const OPTIMIZER_TYPES = ['sgd', 'momentum', 'rmsprop', 'adam'] as const;

/**
 * Builds an optimizer from plain data.
 * @example createOptimizer({ type: 'adam', learningRate: 0.001 })
 */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  switch (config.type) {
    case 'sgd':
      return new SGD(config);
    case 'momentum':
      return new Momentum(config);
    case 'rmsprop':
      return new RMSprop(config);
    case 'adam':
      return new Adam(config);
    default:
      throw new RangeError(
        `unknown optimizer ${JSON.stringify((config as { type?: unknown }).type)}; expected one of ${OPTIMIZER_TYPES.join(', ')}`,
      );
  }
}
