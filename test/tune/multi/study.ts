/**
 * A tiny in-memory multi-objective study for testing samplers and pruners
 * through the `StudyView` contract alone (directions, objective vectors,
 * constraints, intermediate vectors), with the ask/tell loop of a Study:
 * relative sampling once per trial, then `suggest` calls that take a
 * relative value when the distribution contains it and ask
 * `sampleIndependent` otherwise. The lead's Study does the same for real;
 * this one lets the samplers be tested (and benchmarked) on their own.
 */
import type { Direction, FrozenTrial, Sampler, StudyView, TrialState } from '../../../src/tune/types.js';
import { MemoryTrial, startTrial, type TrialRecord } from '../helpers.js';

/** A trial of a vector study: a test study's trial with one value per objective, constraints and reported vectors. */
interface VectorRecord extends TrialRecord {
  values?: number[];
  constraints?: number[];
  intermediateVectors?: Map<number, number[]>;
}

/** What an objective returns: the values (one per direction) and, optionally, constraint values. */
export interface Outcome {
  readonly values: readonly number[];
  readonly constraints?: readonly number[];
}

export class VectorStudy implements StudyView {
  readonly systemAttrs: Record<string, unknown> = {};
  readonly direction: Direction;
  private readonly records: VectorRecord[] = [];
  private complete: FrozenTrial[] = [];

  constructor(
    readonly directions: readonly Direction[],
    readonly sampler?: Sampler,
  ) {
    this.direction = directions[0];
  }

  trials(states?: readonly TrialState[]): readonly FrozenTrial[] {
    const all = this.records as readonly FrozenTrial[];
    if (states === undefined) return all;
    if (states.length === 1 && states[0] === 'complete') return this.complete;
    return all.filter((t) => states.includes(t.state));
  }

  setSystemAttr(key: string, value: unknown): void {
    this.systemAttrs[key] = value;
  }

  ask(sampler: Sampler | undefined = this.sampler): MemoryTrial {
    const record: VectorRecord = {
      id: 5000 + this.records.length,
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

  /** Finishes a trial: complete with its outcome, or pruned / failed. */
  tell(trial: VectorTrial, outcome: Outcome | 'pruned' | 'failed', sampler: Sampler | undefined = this.sampler): void {
    const r = trial.record as VectorRecord;
    if (typeof outcome === 'string') {
      r.state = outcome;
    } else {
      if (outcome.values.length !== this.directions.length) throw new Error(`expected ${this.directions.length} values, got ${outcome.values.length}`);
      r.state = 'complete';
      if (this.directions.length === 1) r.value = outcome.values[0];
      else r.values = [...outcome.values];
      if (outcome.constraints !== undefined) r.constraints = [...outcome.constraints];
      this.complete = this.records.filter((t) => t.state === 'complete');
    }
    sampler?.afterTrial?.(this, r);
  }

  optimize(objective: (trial: VectorTrial) => Outcome, nTrials: number, sampler: Sampler | undefined = this.sampler): void {
    for (let i = 0; i < nTrials; i++) {
      const trial = this.ask(sampler);
      this.tell(trial, objective(trial), sampler);
    }
  }

  /** Adds a trial directly (pruner fixtures): `vectors` are the reports by step (0, 1, ...). */
  add(fields: { state: TrialState; values?: number[]; constraints?: number[]; vectors?: readonly (readonly number[])[] }): FrozenTrial {
    const record: VectorRecord = {
      id: 5000 + this.records.length,
      number: this.records.length,
      state: fields.state,
      params: {},
      distributions: {},
      intermediate: new Map(),
      userAttrs: {},
      systemAttrs: {},
    };
    if (fields.vectors !== undefined) {
      record.intermediateVectors = new Map();
      fields.vectors.forEach((v, step) => {
        record.intermediateVectors!.set(step, [...v]);
        record.intermediate.set(step, v[0]);
      });
    }
    if (fields.values !== undefined) {
      if (this.directions.length === 1) record.value = fields.values[0];
      else record.values = fields.values;
    }
    if (fields.constraints !== undefined) record.constraints = fields.constraints;
    this.records.push(record);
    this.complete = this.records.filter((t) => t.state === 'complete');
    return record;
  }
}

/** A running trial of a vector study (the tests' trial: `suggest`, `num`). */
export type VectorTrial = MemoryTrial;
