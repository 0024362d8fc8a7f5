/**
 * Coarse-to-fine search, as the course draws it: sample the whole space
 * coarsely, find the region where the best trials are, then sample that
 * region more densely, and repeat.
 *
 * Trials are grouped into rounds of `roundSize` by trial number. When the
 * first trial of a round asks, the sampler takes the best
 * `topFraction * roundSize` complete trials so far (a fixed number, so that
 * as a region fills with good trials the hull tightens around them rather
 * than reaching back to the coarse ones) and narrows the previous region
 * around them by the rule `caviar zoom` follows too (space/narrow.ts: the
 * hull of their values on each parameter's scale, padded by `margin` times
 * the previous region's width, clipped to the whole range; the choices they
 * used). Within a region, values are drawn uniformly on each parameter's
 * scale.
 *
 * The regions are recorded with the study (system attribute
 * `coarseToFine.regions`) so every worker samples the same region and
 * `coarseToFineRegions(study)` shows how the search narrowed.
 */
import type { Distribution, FrozenTrial, ParamValue, Sampler, StudyView } from '../types.js';
import { choiceKey } from '../space/distributions.js';
import { fromInternal, fromUnit, internalRange, type InternalRange, type NumericDistribution } from '../space/scale.js';
import { narrowParam } from '../space/narrow.js';
import { rankTrials } from '../rank.js';
import { freshSeed, trialRng } from './seed.js';

export interface CoarseToFineOptions {
  seed?: number;
  /** Trials per round (default 20). */
  roundSize?: number;
  /** The next region is the hull of the best topFraction * roundSize trials so far (default 0.2; at least 2 trials). */
  topFraction?: number;
  /** Padding on each side of the top trials' hull, as a fraction of the previous region's width (default 0.1). */
  margin?: number;
}

/** The region of one parameter: an internal interval (and the same in user values), or a set of choices. */
export type RegionBounds =
  | {
      readonly type: 'numeric';
      /** Internal coordinates (log10 for log scales, log10(1 - x) for oneMinusBeta). */
      readonly internal: InternalRange;
      /** The same bounds as user values, smallest first. */
      readonly low: number;
      readonly high: number;
    }
  | { readonly type: 'categorical'; readonly choices: readonly ParamValue[] };

/** The region sampled from trial `startTrial` on. A parameter it does not name is sampled over its whole range. */
export interface CoarseToFineRegion {
  readonly round: number;
  readonly startTrial: number;
  /** How many complete trials the region was computed from, and how many of them were the top ones. */
  readonly fromTrials: number;
  readonly topTrials: number;
  readonly params: Readonly<Record<string, RegionBounds>>;
}

/** The study system attribute that holds the list of regions. */
export const COARSE_TO_FINE_ATTR = 'coarseToFine.regions';

/**
 * The regions a coarse-to-fine search has sampled, round 0 (the whole space) first.
 *
 * @example
 *   for (const r of coarseToFineRegions(study)) console.log(r.round, r.params.lr);
 */
export function coarseToFineRegions(study: StudyView): CoarseToFineRegion[] {
  const stored = study.systemAttrs[COARSE_TO_FINE_ATTR];
  return Array.isArray(stored) ? (stored as CoarseToFineRegion[]) : [];
}

/**
 * Narrows every range around the best trials after each round.
 *
 * @example
 *   const sampler = new CoarseToFineSampler({ seed: 1, roundSize: 25, topFraction: 0.2 });
 *   // after 100 trials, coarseToFineRegions(study) holds four regions, each inside the last (usually).
 */
export class CoarseToFineSampler implements Sampler {
  readonly name = 'coarse-to-fine';
  readonly seed: number;
  readonly roundSize: number;
  readonly topFraction: number;
  readonly margin: number;

  constructor(options: CoarseToFineOptions = {}) {
    this.seed = options.seed ?? freshSeed();
    this.roundSize = options.roundSize ?? 20;
    this.topFraction = options.topFraction ?? 0.2;
    this.margin = options.margin ?? 0.1;
    if (!Number.isInteger(this.roundSize) || this.roundSize < 2) throw new RangeError(`roundSize must be an integer >= 2, got ${this.roundSize}`);
    if (!(this.topFraction > 0 && this.topFraction <= 1)) throw new RangeError(`topFraction must be in (0, 1], got ${this.topFraction}`);
    if (!(this.margin >= 0)) throw new RangeError(`margin must be >= 0, got ${this.margin}`);
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    const region = this.regionFor(study, trial.number);
    const bounds = region?.params[name];
    const u = trialRng(this.seed, trial.number, name).uniform();
    if (bounds === undefined) return fromUnit(distribution, u);
    if (distribution.type === 'categorical') {
      if (bounds.type !== 'categorical') return fromUnit(distribution, u);
      const keys = new Set(distribution.choices.map(choiceKey));
      const choices = bounds.choices.filter((c) => keys.has(choiceKey(c)));
      return choices.length === 0 ? fromUnit(distribution, u) : choices[Math.floor(u * choices.length)];
    }
    if (bounds.type !== 'numeric') return fromUnit(distribution, u);
    // Clip to the requested distribution in case the objective changed its range.
    const full = internalRange(distribution);
    const low = Math.max(full.low, bounds.internal.low);
    const high = Math.min(full.high, bounds.internal.high);
    return high > low ? fromInternal(distribution, low + u * (high - low)) : fromUnit(distribution, u);
  }

  /** The region for a trial, computing and recording the regions of rounds not yet recorded. */
  private regionFor(study: StudyView, trialNumber: number): CoarseToFineRegion | undefined {
    const round = Math.floor(trialNumber / this.roundSize);
    let regions = coarseToFineRegions(study);
    if (regions.length === 0) {
      regions = [{ round: 0, startTrial: 0, fromTrials: 0, topTrials: 0, params: {} }];
      study.setSystemAttr(COARSE_TO_FINE_ATTR, regions);
    }
    const last = regions[regions.length - 1];
    if (round > last.round) {
      // Rounds skipped over (a burst of failed trials, say) get no region of their own.
      const next = this.narrow(study, last, round);
      regions = [...regions, next];
      study.setSystemAttr(COARSE_TO_FINE_ATTR, regions);
      return next;
    }
    for (let i = regions.length - 1; i >= 0; i--) if (regions[i].round <= round) return regions[i];
    return undefined;
  }

  private narrow(study: StudyView, previous: CoarseToFineRegion, round: number): CoarseToFineRegion {
    const complete = study.trials(['complete']);
    const ranked = rankTrials(complete, study.direction);
    const startTrial = round * this.roundSize;
    if (ranked.length < 2) return { round, startTrial, fromTrials: ranked.length, topTrials: 0, params: previous.params };
    const top = ranked.slice(0, Math.max(2, Math.ceil(this.topFraction * this.roundSize)));

    // The latest distribution of each parameter: its full range is the clip.
    const distributions = new Map<string, Distribution>();
    for (const t of complete) for (const [name, d] of Object.entries(t.distributions)) distributions.set(name, d);

    const params: Record<string, RegionBounds> = { ...previous.params };
    for (const [name, d] of distributions) {
      const values = top.filter((t) => name in t.params).map((t) => t.params[name]);
      if (values.length === 0) continue;
      if (d.type === 'categorical') {
        params[name] = narrowParam(d, values, { margin: this.margin });
        continue;
      }
      const before = previous.params[name];
      const { internal } = narrowParam(d, values, { margin: this.margin, within: before?.type === 'numeric' ? before.internal : undefined });
      params[name] = { type: 'numeric', internal, ...userBounds(d, internal) };
    }
    return { round, startTrial, fromTrials: ranked.length, topTrials: top.length, params };
  }
}

function userBounds(d: NumericDistribution, { low, high }: InternalRange): { low: number; high: number } {
  const a = fromInternal(d, low) as number;
  const b = fromInternal(d, high) as number;
  return { low: Math.min(a, b), high: Math.max(a, b) };
}
