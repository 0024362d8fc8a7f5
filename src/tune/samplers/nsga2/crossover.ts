/**
 * Crossover on each parameter's own scale. Numeric parameters are first put
 * on [0, 1] of their internal range (space/scale.ts: log10 for log scales,
 * log10(1 - beta) for the course's beta scale), so a learning rate mixes
 * its orders of magnitude, not its raw values; categorical parameters take
 * one parent's choice.
 *
 * Numeric crossover is simulated binary crossover (SBX, Deb & Agrawal 1995)
 * in its bounded form: the two children spread around the parents as a
 * one-point crossover of binary strings would, closer to the parents the
 * larger `eta`, and never outside [0, 1]. Deb's NSGA-II uses it with eta 20;
 * Optuna's NSGAIISampler defaults to uniform crossover (a swap per
 * parameter), which never proposes a value neither parent had.
 */
import type { Rng } from '../../../util/rng.js';

/** How the parents are mixed; see the file's comment. */
export interface CrossoverOptions {
  /** Distribution index of SBX: larger keeps children nearer their parents (default 20). */
  readonly eta: number;
  /** Chance that each parameter is crossed at all (else it is taken from one parent; default 0.5). */
  readonly swappingProb: number;
}

/**
 * One SBX child of two parents, coordinates on [0, 1].
 *
 * @example
 *   sbxChild([0.2, 0.9], [0.4, 0.1], rng, { eta: 20, swappingProb: 0.5 }); // each coordinate near a parent's
 */
export function sbxChild(mother: readonly number[], father: readonly number[], rng: Rng, options: CrossoverOptions): number[] {
  const child: number[] = [];
  // Deb's SBX makes two children; we propose one trial, so take either at random, as a whole.
  const second = rng.uniform() < 0.5;
  for (let j = 0; j < mother.length; j++) {
    const x1 = mother[j];
    const x2 = father[j];
    if (rng.uniform() >= options.swappingProb || Math.abs(x1 - x2) < 1e-14) {
      child.push(second ? x2 : x1);
      continue;
    }
    const [c1, c2] = sbxPair(Math.min(x1, x2), Math.max(x1, x2), rng.uniform(), options.eta);
    // Which child sits on which parent's side is itself random in Deb's code.
    child.push(rng.uniform() < 0.5 ? c1 : c2);
  }
  return child;
}

/**
 * The two SBX children of y1 < y2 on [0, 1] for the uniform number `u`.
 *
 * @example
 *   sbxPair(0.4, 0.6, 0.5, 20); // [0.4, 0.6] (u = 0.5: the spread factor is 1)
 */
export function sbxPair(y1: number, y2: number, u: number, eta: number): [number, number] {
  const spread = (beta: number): number => {
    const alpha = 2 - beta ** -(eta + 1);
    return u <= 1 / alpha ? (u * alpha) ** (1 / (eta + 1)) : (1 / (2 - u * alpha)) ** (1 / (eta + 1));
  };
  const gap = y2 - y1;
  const c1 = 0.5 * (y1 + y2 - spread(1 + (2 * y1) / gap) * gap);
  const c2 = 0.5 * (y1 + y2 + spread(1 + (2 * (1 - y2)) / gap) * gap);
  return [Math.min(1, Math.max(0, c1)), Math.min(1, Math.max(0, c2))];
}

/**
 * Uniform crossover of one categorical parameter: either parent's choice.
 *
 * @example
 *   pickChoice('adam', 'sgd', rng); // 'adam' or 'sgd'
 */
export function pickChoice<T>(mother: T, father: T, rng: Rng): T {
  return rng.uniform() < 0.5 ? mother : father;
}
