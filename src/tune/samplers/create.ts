/**
 * Samplers by name, for the command line and config files: checks the name
 * and every option before building anything, so a typo fails at once with
 * the list of what was possible.
 */
import type { Sampler } from '../types.js';
import { CoarseToFineSampler } from './coarse-to-fine.js';
import { GridSampler, type GridSpec } from './grid.js';
import { RandomSampler } from './random.js';
import { SobolSampler } from './sobol.js';
import { TpeSampler } from './tpe/sampler.js';
import { GpSampler } from './gp/sampler.js';
import { AutoSampler } from './auto.js';
import { Nsga2Sampler } from './nsga2/sampler.js';

export const SAMPLER_NAMES = ['grid', 'random', 'sobol', 'coarse-to-fine', 'tpe', 'gp', 'nsga2', 'auto'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** What an option must be; 'resource' is a number or the string 'auto'. */
export type OptionType = 'number' | 'boolean' | 'object' | 'function' | 'resource';

const OPTIONS: Record<SamplerName, Record<string, OptionType>> = {
  grid: { grid: 'object' },
  random: {},
  sobol: { scramble: 'boolean' },
  'coarse-to-fine': { roundSize: 'number', topFraction: 'number', margin: 'number' },
  tpe: {
    nStartupTrials: 'number',
    nEiCandidates: 'number',
    priorWeight: 'number',
    multivariate: 'boolean',
    constantLiar: 'boolean',
    magicClip: 'boolean',
    bandwidthFactor: 'number',
    gamma: 'function',
    weights: 'function',
  },
  gp: { nStartupTrials: 'number', deterministic: 'boolean', maxTrials: 'number', nCandidates: 'number', nLocalSearches: 'number' },
  nsga2: {
    populationSize: 'number',
    crossoverProb: 'number',
    swappingProb: 'number',
    mutationProb: 'number',
    crossoverEta: 'number',
    mutationEta: 'number',
  },
  auto: { nStartupTrials: 'number', gpMaxTrials: 'number' },
};

/**
 * Builds a sampler by name. `seed` makes it reproducible (random when absent).
 *
 * @example
 *   createSampler('tpe', { nStartupTrials: 20 }, 42);
 *   createSampler('grid', { grid: { lr: [0.001, 0.01, 0.1], units: [64, 128] } });
 *   createSampler('nsga2', { populationSize: 40 }, 7); // a multi-objective study's genetic algorithm
 *   createSampler('tpee'); // Error: unknown sampler 'tpee'; expected one of grid, random, sobol, coarse-to-fine, tpe, gp, nsga2, auto
 */
export function createSampler(name: string, options: Readonly<Record<string, unknown>> = {}, seed?: number): Sampler {
  if (!(SAMPLER_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown sampler '${name}'; expected one of ${SAMPLER_NAMES.join(', ')}`);
  }
  const known = OPTIONS[name as SamplerName];
  checkOptions(`sampler ${name}`, options, known);
  const seeded = seed === undefined ? {} : { seed };
  const o = options as Record<string, never>;
  switch (name as SamplerName) {
    case 'grid':
      if (options.grid === undefined) throw new Error(`sampler grid needs the option 'grid': { param: [values...] }`);
      return new GridSampler(options.grid as GridSpec, seeded);
    case 'random':
      return new RandomSampler(seeded);
    case 'sobol':
      return new SobolSampler({ ...o, ...seeded });
    case 'coarse-to-fine':
      return new CoarseToFineSampler({ ...o, ...seeded });
    case 'tpe':
      return new TpeSampler({ ...o, ...seeded });
    case 'gp':
      return new GpSampler({ ...o, ...seeded });
    case 'nsga2':
      return new Nsga2Sampler({ ...o, ...seeded });
    case 'auto':
      return new AutoSampler({ ...o, ...seeded });
  }
}

/**
 * Rejects unknown option names and options of the wrong type, all at once. Shared with `createPruner`.
 *
 * @example
 *   checkOptions('sampler tpe', { nStartup: 5 }, { nStartupTrials: 'number' });
 *   // Error: unknown option 'nStartup' for sampler tpe; expected one of nStartupTrials
 */
export function checkOptions(what: string, options: Readonly<Record<string, unknown>>, known: Readonly<Record<string, OptionType>>): void {
  const problems: string[] = [];
  const names = Object.keys(known);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const type = known[key];
    if (type === undefined) {
      problems.push(`unknown option '${key}' for ${what}; expected ${names.length === 0 ? 'none' : `one of ${names.join(', ')}`}`);
    } else if (!hasType(value, type)) {
      const expected = type === 'resource' ? "a number or 'auto'" : `a ${type}`;
      problems.push(`option '${key}' of ${what} must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
}

function hasType(value: unknown, type: OptionType): boolean {
  if (type === 'object') return typeof value === 'object' && value !== null;
  if (type === 'resource') return value === 'auto' || typeof value === 'number';
  return typeof value === type;
}
