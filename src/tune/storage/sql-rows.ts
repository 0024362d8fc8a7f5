/**
 * The rows the two SQL storages (SQLite and PostgreSQL) read, and their
 * conversion into the records the rest of the tuner uses. Both keep the same
 * tables, JSON stored as text, so one set of conversions serves both.
 */
import type { Direction, FrozenTrial, TrialState } from '../types.js';
import { resultFields, type TrialRecord } from './rules.js';
import type { Checkpoint, CheckpointInfo, CommandKind, CommandRecord, CommandState, StudyRecord, TrialUpdate } from './storage.js';

export interface StudyRow {
  id: number;
  name: string;
  direction: Direction;
  /** JSON array, one direction per objective; null for a single-objective study (schema 4). */
  directions: string | null;
  user_attrs: string;
  system_attrs: string;
  data: string;
  created_at: number;
  version: number;
  attrs_version: number;
}

export interface TrialRow {
  id: number;
  study_id: number;
  number: number;
  state: TrialState;
  value: number | null;
  /** JSON array of a multi-objective trial's values (schema 4). */
  objective_values: string | null;
  /** JSON object, step -> reported vector (schema 4). */
  intermediate_vectors: string | null;
  params: string;
  distributions: string;
  user_attrs: string;
  system_attrs: string;
  started_at: number | null;
  completed_at: number | null;
  heartbeat_at: number | null;
  version: number;
}

/** A trial as a SQL storage works on it: the shared record plus what only the database needs. */
export interface Loaded extends TrialRecord {
  id: number;
  studyId: number;
  startedAt: number | undefined;
  version: number;
}

export const TRIAL_COLUMNS =
  'id, study_id, number, state, value, objective_values, intermediate_vectors, params, distributions, user_attrs, system_attrs, started_at, completed_at, heartbeat_at, version';

/** An update that only says "still alive": written without taking the study's lock. */
export function isHeartbeatOnly(u: TrialUpdate): boolean {
  return (
    u.heartbeat === true &&
    !u.params?.length &&
    !u.intermediate?.length &&
    u.userAttrs === undefined &&
    u.systemAttrs === undefined &&
    u.finish === undefined
  );
}

/** The schema-4 columns of a study's objectives: null for a single-objective study, as studies before it were stored. */
export function directionsColumn(study: { readonly directions?: readonly Direction[] }): string | null {
  return study.directions && study.directions.length > 1 ? JSON.stringify(study.directions) : null;
}

/** The schema-4 columns of a trial's results, in TRIAL_COLUMNS order after `value`. */
export function resultColumns(t: TrialRecord): [objectiveValues: string | null, intermediateVectors: string | null] {
  return [
    t.values === undefined ? null : JSON.stringify(t.values),
    t.intermediateVectors === undefined ? null : JSON.stringify(t.intermediateVectors),
  ];
}

export function studyRecord(row: StudyRow): StudyRecord {
  return {
    id: row.id,
    name: row.name,
    direction: row.direction,
    directions: row.directions === null ? [row.direction] : JSON.parse(row.directions),
    userAttrs: JSON.parse(row.user_attrs),
    systemAttrs: JSON.parse(row.system_attrs),
    data: JSON.parse(row.data),
    createdAt: row.created_at,
  };
}

export function loaded(row: TrialRow): Loaded {
  return {
    id: row.id,
    studyId: row.study_id,
    number: row.number,
    state: row.state,
    value: row.value ?? undefined,
    values: row.objective_values === null ? undefined : JSON.parse(row.objective_values),
    intermediateVectors: row.intermediate_vectors === null ? undefined : JSON.parse(row.intermediate_vectors),
    params: JSON.parse(row.params),
    distributions: JSON.parse(row.distributions),
    userAttrs: JSON.parse(row.user_attrs),
    systemAttrs: JSON.parse(row.system_attrs),
    startedAt: row.started_at ?? undefined,
    completedAt: row.completed_at ?? undefined,
    heartbeatAt: row.heartbeat_at,
    version: row.version,
  };
}

export function frozen(t: Loaded, intermediate: Map<number, number>): FrozenTrial {
  return {
    id: t.id,
    number: t.number,
    state: t.state,
    params: t.params,
    distributions: t.distributions,
    intermediate,
    userAttrs: t.userAttrs,
    systemAttrs: t.systemAttrs,
    ...resultFields(t),
    ...(t.startedAt !== undefined ? { startedAt: t.startedAt } : {}),
    ...(t.completedAt !== undefined ? { completedAt: t.completedAt } : {}),
  };
}

export interface CommandRow {
  id: number;
  trial_id: number;
  kind: CommandKind;
  args: string;
  state: CommandState;
  created_at: number;
  settled_at: number | null;
  step: number | null;
  message: string | null;
}

export const COMMAND_COLUMNS = 'id, trial_id, kind, args, state, created_at, settled_at, step, message';

export function commandRecord(row: CommandRow): CommandRecord {
  return {
    id: row.id,
    trialId: row.trial_id,
    kind: row.kind,
    args: JSON.parse(row.args),
    state: row.state,
    createdAt: row.created_at,
    ...(row.settled_at !== null ? { settledAt: row.settled_at } : {}),
    ...(row.step !== null ? { step: row.step } : {}),
    ...(row.message !== null ? { message: row.message } : {}),
  };
}

/** A checkpoint row joined with its trial (for the study id and trial number); `data` only when loaded. */
export interface CheckpointRow {
  id: number;
  trial_id: number;
  study_id: number;
  trial_number: number;
  step: number;
  kind: 'auto' | 'manual';
  meta: string;
  created_at: number;
  size: number;
  data?: Uint8Array;
}

/** The columns of `CheckpointRow` but `data`, from `trial_checkpoints c JOIN trials t`. */
export const CHECKPOINT_INFO_COLUMNS =
  'c.id, c.trial_id, t.study_id, t.number AS trial_number, c.step, c.kind, c.meta, c.created_at, length(c.data) AS size';

export function checkpointInfo(row: CheckpointRow): CheckpointInfo {
  return {
    id: row.id,
    trialId: row.trial_id,
    studyId: row.study_id,
    trialNumber: row.trial_number,
    step: row.step,
    kind: row.kind,
    meta: JSON.parse(row.meta),
    createdAt: row.created_at,
    size: row.size,
  };
}

/** The checkpoint with a copy of its bytes as a plain Uint8Array (drivers hand back Buffers, some of them pooled). */
export function checkpoint(row: CheckpointRow & { data: Uint8Array }): Checkpoint {
  return { ...checkpointInfo(row), data: new Uint8Array(row.data) };
}
