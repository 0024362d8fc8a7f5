/**
 * NSGA-II's parent selection: a binary tournament under the crowded
 * comparison, the lower front wins, and within a front the point with more
 * room around it (larger crowding distance), so that selection pushes both
 * towards the front and along it. (Optuna's NSGAIISampler compares by
 * dominance alone; Deb's original uses the crowded comparison.)
 */
import type { Rng } from '../../../util/rng.js';
import type { Individual } from './population.js';

/**
 * Whether `a` wins the crowded comparison against `b` (ties: neither).
 *
 * @example
 *   crowdedBetter({ rank: 0, crowding: 0.1 }, { rank: 1, crowding: Infinity }); // true
 */
export function crowdedBetter(a: Pick<Individual, 'rank' | 'crowding'>, b: Pick<Individual, 'rank' | 'crowding'>): boolean {
  return a.rank < b.rank || (a.rank === b.rank && a.crowding > b.crowding);
}

/**
 * Draws two members at random and keeps the better; a tie goes to the first drawn.
 * `exclude` (a member already chosen as the other parent) is not drawn when another exists.
 *
 * @example
 *   const mother = tournament(parents, rng);
 *   const father = tournament(parents, rng, mother);
 */
export function tournament(population: readonly Individual[], rng: Rng, exclude?: Individual): Individual {
  const pool = exclude === undefined || population.length < 2 ? population : population.filter((p) => p !== exclude);
  const a = pool[rng.int(pool.length)];
  const b = pool[rng.int(pool.length)];
  return crowdedBetter(b, a) ? b : a;
}
