/**
 * Seeds for samplers. A sampler draws each trial's values from a generator
 * seeded by (sampler seed, trial number, parameter name) rather than from
 * one long stream, so a trial's proposal does not depend on which worker
 * asked first or on how many trials other processes ran: the same seed and
 * trial number give the same values on every machine, and workers that share
 * one seed still propose different points for different trials.
 */
import { Rng } from '../../util/rng.js';

/**
 * A 32-bit hash of seed parts (numbers and strings), well mixed.
 *
 * @example
 *   mixSeed(42, 7, 'lr') === mixSeed(42, 7, 'lr'); // true
 *   mixSeed(42, 7, 'lr') === mixSeed(42, 8, 'lr'); // false
 */
export function mixSeed(...parts: readonly (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    if (typeof part === 'number') {
      // Both 32-bit halves, so seeds above 2^32 and fractional seeds still differ.
      h = fmix(h ^ (part >>> 0));
      h = fmix(h ^ (Math.floor(part / 0x100000000) >>> 0) ^ 0x9e3779b9);
    } else {
      for (let i = 0; i < part.length; i++) h = Math.imul(h ^ part.charCodeAt(i), 0x01000193) >>> 0;
      h = fmix(h ^ part.length);
    }
  }
  return h;
}

/**
 * A generator for one trial (and optionally one parameter) of a seeded sampler.
 *
 * @example
 *   trialRng(42, 3, 'lr').uniform(); // the same number every time
 */
export function trialRng(seed: number, trialNumber: number, ...salt: readonly (number | string)[]): Rng {
  return new Rng(mixSeed(seed, trialNumber, ...salt));
}

/**
 * A seed for samplers created without one: differs from run to run.
 *
 * @example
 *   new RandomSampler({ seed: freshSeed() }); // what `new RandomSampler()` does
 */
export function freshSeed(): number {
  return Math.floor(Math.random() * 0x100000000);
}

// murmur3's finalizer: every input bit flips about half the output bits.
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
