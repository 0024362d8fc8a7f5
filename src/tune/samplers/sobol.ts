/**
 * Scrambled Sobol quasi-random search. Sobol points fill the unit cube more
 * evenly than random ones (the first 2^m points put exactly one point in each
 * of 2^m equal slices of every axis), so a small budget leaves fewer holes.
 * Scrambling keeps that structure while making the points random: a random
 * lower-triangular binary matrix mixes the digits of every direction number
 * (Matousek's linear matrix scrambling) and a random digital shift is XORed
 * onto every point, the same scrambling SciPy's `qmc.Sobol` applies.
 *
 * Trial n takes point n of the sequence, so workers that share the seed share
 * one sequence and never take the same point. Each parameter gets a
 * dimension the first time the study sees it (kept in the study's system
 * attribute `sobol.dimensions`, so all workers agree); parameters beyond the
 * SOBOL_MAX_DIMENSIONS dimensions of the direction-number table are drawn at
 * random instead, and the study's system attribute `sobol.note` says which.
 */
import type { Distribution, FrozenTrial, ParamValue, Sampler, StudyView } from '../types.js';
import { fromUnit } from '../space/scale.js';
import { Rng } from '../../util/rng.js';
import { JOE_KUO_ROWS, SOBOL_MAX_DIMENSIONS } from './sobol-directions.js';
import { freshSeed, mixSeed, trialRng } from './seed.js';

const BITS = 32;
const TWO_POW_32 = 0x100000000;

export interface SobolSamplerOptions {
  seed?: number;
  /** Scramble the sequence (default true). Unscrambled, point 0 is the origin and every seed gives the same points. */
  scramble?: boolean;
}

/** The study system attribute listing parameter names in the order of their Sobol dimensions. */
export const SOBOL_DIMENSIONS_ATTR = 'sobol.dimensions';

/**
 * The Sobol sequence: `point(n)` for any n, computed directly from n's Gray code.
 *
 * @example
 *   const s = new SobolSequence(2);
 *   [0, 1, 2, 3].map((n) => s.point(n)); // [[0, 0], [0.5, 0.5], [0.75, 0.25], [0.25, 0.75]]
 *   new SobolSequence(3, { seed: 7 }).point(0); // scrambled: three numbers in [0, 1)
 */
export class SobolSequence {
  private readonly directions: Uint32Array[] = [];
  private readonly shift: Uint32Array;

  constructor(
    readonly dimensions: number,
    options: { seed?: number } = {},
  ) {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > SOBOL_MAX_DIMENSIONS) {
      throw new RangeError(`Sobol dimensions must be 1..${SOBOL_MAX_DIMENSIONS}, got ${dimensions}`);
    }
    const rng = options.seed === undefined ? undefined : new Rng(options.seed);
    this.shift = new Uint32Array(dimensions);
    for (let d = 0; d < dimensions; d++) {
      const v = directionNumbers(d);
      if (rng !== undefined) {
        linearMatrixScramble(v, rng);
        this.shift[d] = rng.uint32();
      }
      this.directions.push(v);
    }
  }

  /** Point `n` (0 <= n < 2^32), each coordinate in [0, 1). */
  point(n: number): number[] {
    const out = new Array<number>(this.dimensions);
    for (let d = 0; d < this.dimensions; d++) out[d] = this.coordinate(n, d);
    return out;
  }

  /** Coordinate `d` of point `n`. */
  coordinate(n: number, d: number): number {
    if (!Number.isInteger(n) || n < 0 || n >= TWO_POW_32) throw new RangeError(`Sobol index must be 0..2^32-1, got ${n}`);
    const v = this.directions[d];
    let gray = (n ^ Math.floor(n / 2)) >>> 0;
    let x = this.shift[d];
    for (let bit = 0; gray !== 0; bit++, gray >>>= 1) if (gray & 1) x ^= v[bit];
    return (x >>> 0) / TWO_POW_32;
  }
}

/**
 * Samples trial n at point n of a scrambled Sobol sequence.
 *
 * @example
 *   const sampler = new SobolSampler({ seed: 1 });
 *   // 16 trials on a 2-parameter space: each quarter of each axis gets exactly 4 of them.
 */
export class SobolSampler implements Sampler {
  readonly name = 'sobol';
  readonly seed: number;
  private readonly sequence: SobolSequence;

  constructor(options: SobolSamplerOptions = {}) {
    this.seed = options.seed ?? freshSeed();
    this.sequence = new SobolSequence(SOBOL_MAX_DIMENSIONS, options.scramble === false ? {} : { seed: mixSeed(this.seed, 'sobol') });
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    const d = dimensionOf(study, name);
    if (d >= SOBOL_MAX_DIMENSIONS) return fromUnit(distribution, trialRng(this.seed, trial.number, name).uniform());
    return fromUnit(distribution, this.sequence.coordinate(trial.number, d));
  }
}

/** The Sobol dimension of a parameter, assigned in order of first appearance. */
function dimensionOf(study: StudyView, name: string): number {
  const stored = study.systemAttrs[SOBOL_DIMENSIONS_ATTR];
  const names = Array.isArray(stored) ? (stored as string[]) : [];
  const i = names.indexOf(name);
  if (i >= 0) return i;
  const next = [...names, name];
  study.setSystemAttr(SOBOL_DIMENSIONS_ATTR, next);
  if (next.length > SOBOL_MAX_DIMENSIONS) {
    study.setSystemAttr(
      'sobol.note',
      `parameters beyond the first ${SOBOL_MAX_DIMENSIONS} (${next.slice(SOBOL_MAX_DIMENSIONS).join(', ')}) are sampled at random`,
    );
  }
  return next.length - 1;
}

/**
 * Direction numbers of dimension `d` (0-based), scaled by 2^32: v[k] is the
 * number XORed in when bit k of the Gray code is set.
 */
function directionNumbers(d: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (d === 0) {
    for (let k = 0; k < BITS; k++) v[k] = 2 ** (BITS - 1 - k);
    return v;
  }
  const row = JOE_KUO_ROWS[d - 1];
  const s = row[0];
  const a = row[1];
  for (let k = 0; k < Math.min(s, BITS); k++) v[k] = (row[2 + k] * 2 ** (BITS - 1 - k)) >>> 0;
  // The recurrence of the primitive polynomial x^s + a_1 x^(s-1) + ... + 1.
  for (let k = s; k < BITS; k++) {
    let x = v[k - s] ^ (v[k - s] >>> s);
    for (let j = 1; j < s; j++) if ((a >>> (s - 1 - j)) & 1) x ^= v[k - j];
    v[k] = x >>> 0;
  }
  return v;
}

/**
 * Multiplies every direction number by a random lower-triangular binary
 * matrix with a unit diagonal (digit 0 is the most significant bit). Being
 * linear and invertible, it maps the sequence's nets onto nets.
 */
function linearMatrixScramble(v: Uint32Array, rng: Rng): void {
  const rows = new Uint32Array(BITS);
  for (let i = 0; i < BITS; i++) {
    const diagonal = 2 ** (BITS - 1 - i);
    // Random digits strictly above digit i (more significant bits), then digit i itself.
    const above = i === 0 ? 0 : (rng.uint32() & ~(2 * diagonal - 1)) >>> 0;
    rows[i] = (above | diagonal) >>> 0;
  }
  for (let k = 0; k < BITS; k++) {
    let out = 0;
    for (let i = 0; i < BITS; i++) if (parity(v[k] & rows[i])) out |= 2 ** (BITS - 1 - i);
    v[k] = out >>> 0;
  }
}

function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}
