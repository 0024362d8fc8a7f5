/**
 * Population-based training (Jaderberg et al., 2017): the panda way
 * automated across a caviar-sized population. A population of members trains
 * in segments of a few epochs; after each segment, a member in the bottom
 * quantile copies the weights of a member in the top quantile (exploit, from
 * its checkpoint) and perturbs its hyperparameters on their own scales
 * (explore); the others go on from their own checkpoint.
 *
 * In caviar's terms each segment is one trial. A segment starts from a
 * checkpoint (system attribute `origin`) and carries `pbt: { member,
 * generation, untilStep }`; the objective trains until `untilStep` epochs and
 * leaves a checkpoint whose id it records in the user attribute
 * `lastCheckpoint`. The scheduler runs inside `study.claim`: before each
 * claim it enqueues the segments that are due, so any executor (threads,
 * processes) simply runs what it claims.
 *
 * Planning happens in the process that claims; run one process per
 * population-based study (with as many worker threads as you like): two
 * processes could plan the same segment twice.
 */
import { Rng } from '../util/rng.js';
import type { TrialOrigin } from './control.js';
import { fromInternal, fromUnit, toInternal } from './space/scale.js';
import type { EnqueuedTrial } from './storage/storage.js';
import type { Distribution, FrozenTrial, ParamValue, StudyView } from './types.js';

/** What `plan` tells `claim`: enqueue these, then claim, wait for running segments, or stop. */
export interface SchedulePlan {
  readonly enqueue: readonly EnqueuedTrial[];
  readonly then: 'claim' | 'wait' | 'done';
}

/** A scheduler decides which trials exist, beyond what a sampler decides about their values. */
export interface Scheduler {
  readonly name: string;
  plan(study: StudyView): SchedulePlan;
}

/** Thrown by `claim` when the schedule has run every trial it means to: the end of the search, not an error. */
export class ScheduleCompleteError extends Error {
  override name = 'ScheduleCompleteError';
}

export interface PbtOptions {
  /** Members trained side by side. Default 8. */
  readonly population?: number;
  /** Segments per member (the first one included). Default 4. */
  readonly generations?: number;
  /** Epochs per segment. Default 2. */
  readonly interval?: number;
  /** Fraction of the population that exploits (bottom) and is copied from (top). Default 0.25. */
  readonly quantile?: number;
  /** Multipliers explore picks from for numeric values. Default [0.8, 1.2]. */
  readonly factors?: readonly number[];
  /** Chance that explore draws a value afresh from its distribution instead. Default 0.25. */
  readonly resampleProbability?: number;
  /** Names explore may change (those that can change mid-run); others are copied as they are. Default: all. */
  readonly mutable?: readonly string[];
  readonly seed?: number;
}

/** The system attribute a population member's segment carries. */
export interface PbtSegment {
  readonly member: number;
  readonly generation: number;
  /** Train until this many epochs in all: the step of the checkpoint it starts from, plus the interval. */
  readonly untilStep: number;
}

/** The checkpoint a finished segment left, as the objective records it (user attribute `lastCheckpoint`). */
export interface LastCheckpoint {
  readonly id: number;
  readonly step: number;
}

export function pbtSegment(trial: Pick<FrozenTrial, 'systemAttrs'>): PbtSegment | undefined {
  const p = trial.systemAttrs.pbt as Partial<PbtSegment> | undefined;
  return p && typeof p.member === 'number' && typeof p.generation === 'number' ? (p as PbtSegment) : undefined;
}

/**
 * @example
 *   const study = await createStudy({ direction: 'maximize', scheduler: new PopulationBasedTraining({ population: 8, interval: 2 }) });
 *   await study.optimize(objective, { concurrency: 2 }); // ends when every member has run its generations
 */
export class PopulationBasedTraining implements Scheduler {
  readonly name = 'pbt';
  readonly population: number;
  readonly generations: number;
  readonly interval: number;
  readonly quantile: number;
  readonly factors: readonly number[];
  readonly resampleProbability: number;
  readonly mutable: readonly string[] | undefined;
  private readonly rng: Rng;

  constructor(options: PbtOptions = {}) {
    this.population = positiveInt('population', options.population ?? 8);
    this.generations = positiveInt('generations', options.generations ?? 4);
    this.interval = positiveInt('interval', options.interval ?? 2);
    this.quantile = options.quantile ?? 0.25;
    if (!(this.quantile > 0 && this.quantile <= 0.5)) throw new RangeError(`pbt: quantile must be in (0, 0.5], got ${this.quantile}`);
    this.factors = options.factors ?? [0.8, 1.2];
    if (this.factors.length === 0 || !this.factors.every((f) => f > 0)) throw new RangeError('pbt: factors must be positive numbers');
    this.resampleProbability = options.resampleProbability ?? 0.25;
    if (!(this.resampleProbability >= 0 && this.resampleProbability <= 1)) {
      throw new RangeError(`pbt: resampleProbability must be in [0, 1], got ${this.resampleProbability}`);
    }
    this.mutable = options.mutable;
    this.rng = new Rng(options.seed ?? 0);
  }

  /** How many trials the whole schedule runs. */
  get totalTrials(): number {
    return this.population * this.generations;
  }

  plan(study: StudyView): SchedulePlan {
    const segments = new Map<string, FrozenTrial>();
    for (const t of study.trials()) {
      const s = pbtSegment(t);
      if (s) segments.set(`${s.member}/${s.generation}`, t);
    }
    const enqueue: EnqueuedTrial[] = [];
    // Generation 0: fresh members, their values drawn by the study's sampler when they run.
    for (let m = 0; m < this.population; m++) {
      if (!segments.has(`${m}/0`)) enqueue.push({ params: {}, systemAttrs: { pbt: this.segment(m, 0) } });
    }
    const latest = this.latestPerMember(segments);
    // Each member's score is its most recent complete segment's value, even while a newer segment runs:
    // a member that just finished is ranked against everyone's latest known score.
    const scored = this.scoredPerMember(segments);
    const ranked = [...scored.values()].sort((a, b) => (study.direction === 'maximize' ? b.value! - a.value! : a.value! - b.value!));
    const cut = Math.max(1, Math.round(this.quantile * this.population));
    const top = ranked.slice(0, cut).filter((t) => lastCheckpoint(t));
    // Quantiles only mean something once every member has a score.
    const bottom = new Set(ranked.length === this.population ? ranked.slice(-cut) : []);
    let unfinished = false;
    for (const [member, t] of latest) {
      const s = pbtSegment(t)!;
      if (t.state === 'running' || t.state === 'waiting') {
        unfinished = true;
        continue;
      }
      if (s.generation + 1 >= this.generations) continue;
      const own = t.state === 'complete' ? lastCheckpoint(t) : undefined;
      // A segment that failed or left no checkpoint has nothing of its own to go on from: it exploits.
      const exploit = !own || bottom.has(t);
      const source = exploit ? top[Math.floor(this.rng.uniform() * top.length)] : t;
      if (!source) continue; // nobody to copy from: this member ends here
      const cp = lastCheckpoint(source)!;
      const params = exploit ? this.explore(source) : { ...source.params };
      const origin: TrialOrigin = { checkpointId: cp.id, trial: source.number, step: cp.step, reason: exploit ? 'exploit' : 'continue' };
      enqueue.push({ params, systemAttrs: { origin, pbt: { member, generation: s.generation + 1, untilStep: cp.step + this.interval } } });
      unfinished = true;
    }
    const waiting = study.trials(['waiting']).length > 0;
    return { enqueue, then: enqueue.length > 0 || waiting ? 'claim' : unfinished ? 'wait' : 'done' };
  }

  /** The source's values with the mutable ones perturbed on their own scales. */
  explore(source: FrozenTrial): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = { ...source.params };
    for (const [name, value] of Object.entries(source.params)) {
      if (this.mutable && !this.mutable.includes(name)) continue;
      const d = source.distributions[name];
      if (d) out[name] = this.perturb(d, value);
    }
    return out;
  }

  /** One value perturbed: redrawn with `resampleProbability`, else multiplied by a factor on its scale (within bounds). */
  perturb(d: Distribution, value: ParamValue): ParamValue {
    if (d.type === 'categorical' || this.rng.uniform() < this.resampleProbability) return fromUnit(d, this.rng.uniform());
    const factor = this.factors[Math.floor(this.rng.uniform() * this.factors.length)];
    // On a log scale (and on 1 - beta's) a factor is a shift; on a linear scale, a product.
    let next = fromInternal(d, d.scale === 'linear' ? (value as number) * factor : toInternal(d, value) + Math.log10(factor)) as number;
    // An integer too small to move by 20% still moves by one.
    if (d.type === 'int' && next === value) next = Math.min(d.high, Math.max(d.low, next + (factor > 1 ? d.step : -d.step)));
    return next;
  }

  private segment(member: number, generation: number): PbtSegment {
    return { member, generation, untilStep: (generation + 1) * this.interval };
  }

  /** Each member's most advanced complete segment with a value. */
  private scoredPerMember(segments: Map<string, FrozenTrial>): Map<number, FrozenTrial> {
    const scored = new Map<number, FrozenTrial>();
    for (const t of segments.values()) {
      if (t.state !== 'complete' || t.value === undefined) continue;
      const s = pbtSegment(t)!;
      const seen = scored.get(s.member);
      if (!seen || pbtSegment(seen)!.generation < s.generation) scored.set(s.member, t);
    }
    return scored;
  }

  /** Each member's most advanced segment. */
  private latestPerMember(segments: Map<string, FrozenTrial>): Map<number, FrozenTrial> {
    const latest = new Map<number, FrozenTrial>();
    for (const t of segments.values()) {
      const s = pbtSegment(t)!;
      const seen = latest.get(s.member);
      if (!seen || pbtSegment(seen)!.generation < s.generation) latest.set(s.member, t);
    }
    return latest;
  }
}

function lastCheckpoint(t: FrozenTrial): LastCheckpoint | undefined {
  const c = t.userAttrs.lastCheckpoint as Partial<LastCheckpoint> | undefined;
  return c && typeof c.id === 'number' && typeof c.step === 'number' ? (c as LastCheckpoint) : undefined;
}

function positiveInt(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`pbt: ${what} must be a positive integer, got ${v}`);
  return v;
}
