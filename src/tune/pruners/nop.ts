/**
 * The pruner that never prunes: every trial runs to the end.
 */
import type { Pruner } from '../types.js';

/**
 * Never prunes.
 *
 * @example
 *   new NopPruner().prune(study, trial); // false
 */
export class NopPruner implements Pruner {
  readonly name = 'nop';

  prune(): boolean {
    return false;
  }
}
