/**
 * A tiny in-memory study for testing samplers and pruners through the
 * `StudyView` contract alone, with an ask/tell loop that calls a sampler the
 * way a Study does: relative sampling once per trial, then define-by-run
 * `suggest` calls that take a relative value when the requested distribution
 * contains it and ask `sampleIndependent` otherwise.
 */
import type {
  Direction,
  Distribution,
  FrozenTrial,
  ParamValue,
  Pruner,
  Sampler,
  StudyView,
  TrialState,
} from '../../src/tune/types.js';
import { distributionContains } from '../../src/tune/space/distributions.js';
import { bestOf } from '../../src/tune/rank.js';
import type { ParamSuggester } from '../../src/tune/space/declarative.js';

/** A test study's trial, as its samplers and pruners see it. */
export interface TrialRecord {
  id: number;
  number: number;
  state: TrialState;
  params: Record<string, ParamValue>;
  distributions: Record<string, Distribution>;
  value?: number;
  intermediate: Map<number, number>;
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
}

export class MemoryStudy implements StudyView {
  readonly systemAttrs: Record<string, unknown> = {};
  private readonly records: TrialRecord[] = [];

  constructor(
    readonly direction: Direction = 'minimize',
    readonly sampler?: Sampler,
  ) {}

  get directions(): readonly Direction[] {
    return [this.direction];
  }

  trials(states?: readonly TrialState[]): readonly FrozenTrial[] {
    const all = this.records as readonly FrozenTrial[];
    return states === undefined ? all : all.filter((t) => states.includes(t.state));
  }

  setSystemAttr(key: string, value: unknown): void {
    this.systemAttrs[key] = value;
  }

  /** Starts a trial: relative sampling happens here, as in a Study. */
  ask(sampler: Sampler | undefined = this.sampler): MemoryTrial {
    const record: TrialRecord = {
      id: 1000 + this.records.length,
      number: this.records.length,
      state: 'running',
      params: {},
      distributions: {},
      intermediate: new Map(),
      userAttrs: {},
      systemAttrs: {},
    };
    this.records.push(record);
    return startTrial(this, record, sampler);
  }

  /** Finishes a trial as complete (a number), pruned or failed, and tells the sampler. */
  tell(trial: MemoryTrial, outcome: number | 'pruned' | 'failed', sampler: Sampler | undefined = this.sampler): void {
    const r = trial.record;
    if (typeof outcome === 'number') {
      r.state = 'complete';
      r.value = outcome;
    } else {
      r.state = outcome;
    }
    sampler?.afterTrial?.(this, r);
  }

  /** Runs `nTrials` trials one after the other. */
  optimize(objective: (trial: MemoryTrial) => number, nTrials: number, sampler: Sampler | undefined = this.sampler): void {
    for (let i = 0; i < nTrials; i++) {
      const trial = this.ask(sampler);
      this.tell(trial, objective(trial), sampler);
    }
  }

  /** Adds a finished (or running) trial directly: fixtures for pruner tests. */
  add(fields: {
    state: TrialState;
    value?: number;
    params?: Record<string, ParamValue>;
    distributions?: Record<string, Distribution>;
    intermediate?: readonly (readonly [number, number])[] | readonly number[];
  }): FrozenTrial {
    const intermediate = new Map<number, number>();
    (fields.intermediate ?? []).forEach((entry, i) => {
      if (typeof entry === 'number') intermediate.set(i, entry);
      else intermediate.set(entry[0], entry[1]);
    });
    const record: TrialRecord = {
      id: 1000 + this.records.length,
      number: this.records.length,
      state: fields.state,
      params: { ...(fields.params ?? {}) },
      distributions: { ...(fields.distributions ?? {}) },
      intermediate,
      userAttrs: {},
      systemAttrs: {},
    };
    if (fields.value !== undefined) record.value = fields.value;
    this.records.push(record);
    return record;
  }

  /** The best complete trial (rank.ts). */
  best(): FrozenTrial {
    const best = bestOf(this.trials(), this.direction);
    if (best === undefined) throw new Error('no complete trial');
    return best;
  }
}

/** Starts `record` on a test study as a Study does: one relative sample over the space the sampler infers, then `suggest`s. */
export function startTrial(study: StudyView, record: TrialRecord, sampler: Sampler | undefined): MemoryTrial {
  let relative: Record<string, ParamValue> = {};
  if (sampler?.inferRelativeSpace && sampler.sampleRelative) {
    const space = sampler.inferRelativeSpace(study, record);
    if (Object.keys(space).length > 0) relative = sampler.sampleRelative(study, record, space);
  }
  return new MemoryTrial(study, record, sampler, relative);
}

export class MemoryTrial implements ParamSuggester {
  constructor(
    private readonly study: StudyView,
    readonly record: TrialRecord,
    private readonly sampler: Sampler | undefined,
    readonly relative: Readonly<Record<string, ParamValue>>,
  ) {}

  get number(): number {
    return this.record.number;
  }

  get params(): Readonly<Record<string, ParamValue>> {
    return this.record.params;
  }

  get frozen(): FrozenTrial {
    return this.record;
  }

  suggest(name: string, distribution: Distribution): ParamValue {
    if (name in this.record.params) return this.record.params[name];
    let value: ParamValue;
    if (name in this.relative && distributionContains(distribution, this.relative[name])) value = this.relative[name];
    else if (this.sampler) value = this.sampler.sampleIndependent(this.study, this.record, name, distribution);
    else throw new Error(`no sampler for ${name}`);
    if (!distributionContains(distribution, value)) {
      throw new Error(`sampler returned ${String(value)} for ${name}, outside its distribution ${JSON.stringify(distribution)}`);
    }
    this.record.params[name] = value;
    this.record.distributions[name] = distribution;
    return value;
  }

  /** Shorthand for numeric parameters in tests. */
  num(name: string, distribution: Distribution): number {
    return this.suggest(name, distribution) as number;
  }

  report(value: number, step: number): void {
    this.record.intermediate.set(step, value);
  }

  shouldPrune(pruner: Pruner): boolean {
    return pruner.prune(this.study, this.record);
  }
}
