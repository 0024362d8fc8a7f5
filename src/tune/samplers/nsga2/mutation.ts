/**
 * Mutation on each parameter's own scale (numeric coordinates on [0, 1] of
 * the internal range, as crossover.ts). Numeric: Deb's bounded polynomial
 * mutation, a step that is usually small (larger `eta`, smaller steps) and
 * never leaves [0, 1]; categorical: a choice drawn anew. Optuna's
 * NSGAIISampler redraws a mutated parameter uniformly, which keeps exploring
 * but forgets where the parent was; the polynomial step refines it.
 */
import type { Rng } from '../../../util/rng.js';

/**
 * A mutated coordinate on [0, 1].
 *
 * @example
 *   polynomialMutation(0.5, rng, 20); // near 0.5, within [0, 1]
 */
export function polynomialMutation(y: number, rng: Rng, eta: number): number {
  const r = rng.uniform();
  const power = 1 / (eta + 1);
  let delta: number;
  if (r < 0.5) {
    const value = 2 * r + (1 - 2 * r) * (1 - y) ** (eta + 1);
    delta = value ** power - 1;
  } else {
    const value = 2 * (1 - r) + 2 * (r - 0.5) * y ** (eta + 1);
    delta = 1 - value ** power;
  }
  return Math.min(1, Math.max(0, y + delta));
}
