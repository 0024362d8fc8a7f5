/**
 * The PostgreSQL storage's SQL: every statement it prepares (`statements`,
 * for one schema), the expressions of versions and server runs they share,
 * and the rows they read. postgres.ts runs them.
 */
import pg from 'pg';
import { StorageError } from './errors.js';
import { CHECKPOINT_INFO_COLUMNS, COMMAND_COLUMNS, TRIAL_COLUMNS, type StudyRow, type TrialRow } from './sql-rows.js';

/**
 * How far the version counter jumps when a new server run hands out its first
 * version: more versions than a crash can lose (a fraction of a second of
 * commits), so versions a reader may have seen are never handed out again.
 * Versions stay below 2^53 through billions of restarts.
 */
export const VERSION_GAP = 1_000_000;

/**
 * The server's run, as a string that changes when it restarts and when it
 * recovers from a crash without a restart (a backend crash reinitializes the
 * server and resets its statistics): microseconds, so that no client's time
 * zone enters it.
 */
export const SERVER_RUN = `((extract(epoch from pg_postmaster_start_time()) * 1000000)::bigint::text || '/' ||
  coalesce((extract(epoch from pg_stat_get_bgwriter_stat_reset_time()) * 1000000)::bigint::text, ''))`;

/** When the server's run began (ms): its start, or its last recovery from a crash (see `SERVER_RUN`). */
export const SERVER_UP_SINCE = `(extract(epoch from greatest(pg_postmaster_start_time(),
  coalesce(pg_stat_get_bgwriter_stat_reset_time(), pg_postmaster_start_time()))) * 1000)::bigint`;

/** The study's next version: one more within a server run, a jump past `VERSION_GAP` in a new one. */
export const NEXT_VERSION = `CASE WHEN run IS NOT DISTINCT FROM ${SERVER_RUN} THEN version + 1 ELSE version + ${VERSION_GAP} END`;

/** The SET clause that hands out the study's next version (use with RETURNING version). */
export const BUMP = `version = ${NEXT_VERSION}, run_from = CASE WHEN run IS NOT DISTINCT FROM ${SERVER_RUN} THEN run_from ELSE version END,
  run = ${SERVER_RUN}`;

export const STUDY_COLUMNS = 'id, name, direction, directions, user_attrs, system_attrs, data, created_at, version, attrs_version';

/** The server's clock in ms since the epoch. */
export const SERVER_NOW = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** The study's columns on `trialsSince`'s rows (attributes on the first row only, and only when they changed). */
export interface SinceColumns {
  s_version: number;
  s_attrs_version: number;
  s_name: string | null;
  s_direction: StudyRow['direction'] | null;
  s_directions: string | null;
  s_user_attrs: string | null;
  s_system_attrs: string | null;
  s_data: string | null;
  s_created_at: number | null;
  s_run: string | null;
  s_run_from: number;
}

export interface TrialRowWithValues extends TrialRow {
  /** Intermediate values, from `array_agg` (null when the trial has none). */
  steps?: number[] | null;
  step_values?: number[] | null;
}

/** A trial row read under its lock, with what only a writer needs. */
export type LockedTrial = TrialRowWithValues & { now: number; claim_key: string | null };

/** SQL pieces of a fresh claim: the time now, the heartbeat to record, and when a fresh trial is the answer. */
export interface FreshClaim {
  readonly now: string;
  readonly heartbeat: string;
  readonly where: string;
  /** The claim's key, as an SQL literal. */
  readonly key: string;
}

export function statements(S: string) {
  return {
    studyById: `SELECT ${STUDY_COLUMNS} FROM ${S}.studies WHERE id = $1`,
    studyByName: `SELECT ${STUDY_COLUMNS} FROM ${S}.studies WHERE name = $1`,
    allStudies: `SELECT ${STUDY_COLUMNS} FROM ${S}.studies ORDER BY id`,
    insertStudy: `INSERT INTO ${S}.studies (name, direction, user_attrs, system_attrs, data, created_at, create_key, directions)
      VALUES ($1, $2, $3, $4, $5, coalesce($6::bigint, ${SERVER_NOW}), $7, $8) RETURNING ${STUDY_COLUMNS}`,
    studyByCreateKey: `SELECT ${STUDY_COLUMNS} FROM ${S}.studies WHERE name = $1 AND create_key = $2`,
    updateStudyAttrs: `UPDATE ${S}.studies SET user_attrs = $1, system_attrs = $2, data = $3,
      attrs_version = ${NEXT_VERSION}, ${BUMP} WHERE id = $4`,
    deleteStudy: `DELETE FROM ${S}.studies WHERE name = $1 RETURNING id`,
    // Statements sent with BEGIN in one simple query take no parameters: the ids are written in.
    lockStudy: (studyId: number) => `SELECT ${SERVER_NOW} AS now, ${SERVER_UP_SINCE} AS up_since FROM ${S}.studies
      WHERE id = ${sqlId(studyId)} FOR UPDATE`,
    // FOR UPDATE locks both rows and re-reads both after waiting, so the trial read is current.
    lockTrial: (trialId: number) => `SELECT ${SERVER_NOW} AS now, ${columns('t')}, t.claim_key FROM ${S}.studies s
      JOIN ${S}.trials t ON t.study_id = s.id WHERE t.id = ${sqlId(trialId)} FOR UPDATE`,
    // Cheap to plan, for the hot path; the whole trial only when there is one.
    idByClaimKey: `SELECT id FROM ${S}.trials WHERE study_id = $1 AND claim_key = $2`,
    trialByClaimKey: `SELECT ${TRIAL_COLUMNS}, v.steps, v.step_values FROM ${S}.trials t
      LEFT JOIN LATERAL (${valuesOfTrial(S)}) v ON true WHERE t.study_id = $1 AND t.claim_key = $2`,
    trialByEnqueueKey: `SELECT ${TRIAL_COLUMNS}, v.steps, v.step_values FROM ${S}.trials t
      LEFT JOIN LATERAL (${valuesOfTrial(S)}) v ON true WHERE t.study_id = $1 AND t.enqueue_key = $2`,
    studyByIdInline: (studyId: number) => `SELECT ${STUDY_COLUMNS} FROM ${S}.studies WHERE id = ${sqlId(studyId)}`,
    studyParamsOfTrial: `SELECT name, distribution FROM ${S}.study_params
      WHERE study_id = (SELECT study_id FROM ${S}.trials WHERE id = $1) AND name = ANY($2::text[])`,
    // Numbered under the study lock taken by an earlier statement, so max(number) is current.
    insertTrial: `WITH bumped AS (UPDATE ${S}.studies SET ${BUMP} WHERE id = $1 RETURNING version)
      INSERT INTO ${S}.trials (study_id, number, state, params, distributions, user_attrs, system_attrs,
        started_at, heartbeat_at, version, claim_key, enqueue_key)
      SELECT $1, (SELECT coalesce(max(number) + 1, 0) FROM ${S}.trials WHERE study_id = $1), $2, $3, $4, $5, $6,
        $7, $8, bumped.version, $9, $10 FROM bumped
      RETURNING id, number, version`,
    saveTrial: `WITH bumped AS (UPDATE ${S}.studies SET ${BUMP} WHERE id = $12 AND $13::boolean RETURNING version),
      new_params AS (INSERT INTO ${S}.study_params (study_id, name, distribution)
        SELECT $12, unnest($14::text[]), unnest($15::text[]) ON CONFLICT DO NOTHING),
      new_values AS (INSERT INTO ${S}.trial_values (trial_id, step, value)
        SELECT $11, unnest($16::bigint[]), unnest($17::double precision[]) ON CONFLICT DO NOTHING)
      UPDATE ${S}.trials SET state = $1, value = $2, params = $3, distributions = $4, user_attrs = $5, system_attrs = $6,
        started_at = $7, completed_at = $8, heartbeat_at = $9, version = coalesce((SELECT version FROM bumped), $10),
        claim_key = coalesce($18, claim_key), objective_values = $19, intermediate_vectors = $20
      WHERE id = $11 RETURNING version`,
    trialWithValues: `SELECT ${TRIAL_COLUMNS}, v.steps, v.step_values FROM ${S}.trials t
      LEFT JOIN LATERAL (${valuesOfTrial(S)}) v ON true WHERE t.id = $1`,
    // One row: the oldest waiting trial (all nulls when none), the count of complete or running
    // trials, and of running trials whose heartbeat is older than $2 (0 when $2 is null).
    firstWaiting: `SELECT w.*,
        (SELECT count(*) FROM ${S}.trials WHERE study_id = $1 AND state IN ('complete', 'running')) AS busy,
        (SELECT count(*) FROM ${S}.trials WHERE study_id = $1 AND state = 'running'
          AND heartbeat_at IS NOT NULL AND heartbeat_at < $2::bigint) AS stale
      FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT ${TRIAL_COLUMNS} FROM ${S}.trials
        WHERE study_id = $1 AND state = 'waiting' ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED) w ON true`,
    retryCandidates: `SELECT ${TRIAL_COLUMNS} FROM ${S}.trials WHERE study_id = $1 AND state = 'failed'
        AND system_attrs::jsonb -> 'retryable' = 'true'::jsonb AND NOT (system_attrs::jsonb ? 'retriedBy')
      ORDER BY number FOR UPDATE SKIP LOCKED`,
    // FOR UPDATE: a heartbeat that commits meanwhile is seen, and its trial is no longer stale.
    staleTrials: `SELECT ${TRIAL_COLUMNS} FROM ${S}.trials WHERE study_id = $1 AND state = 'running'
        AND heartbeat_at IS NOT NULL AND heartbeat_at < $2 ORDER BY number FOR UPDATE`,
    heartbeat: `UPDATE ${S}.trials SET heartbeat_at = coalesce($1::bigint, ${SERVER_NOW})
      WHERE id = $2 AND state = 'running' AND heartbeat_at IS NOT NULL AND ($3::text IS NULL OR claim_key = $3) RETURNING id`,
    // Stamps the trial (the study and trial rows are locked by lockTrial) and queues the command.
    insertCommand: `WITH bumped AS (UPDATE ${S}.studies SET ${BUMP} WHERE id = $1 RETURNING version),
      stamped AS (UPDATE ${S}.trials SET version = (SELECT version FROM bumped) WHERE id = $2)
      INSERT INTO ${S}.trial_commands (trial_id, kind, args, state, created_at, send_key) VALUES ($2, $3, $4, 'pending', $5, $6)
      RETURNING ${COMMAND_COLUMNS}`,
    commandBySendKey: `SELECT ${COMMAND_COLUMNS} FROM ${S}.trial_commands WHERE send_key = $1`,
    // One row per taken command, in id order, or one row of nulls (but the trial's columns) when none
    // is pending; no row when the trial does not exist. $2 is the take's key (a retry takes again what
    // it took), $3 the runner's claim key (nothing is taken from a trial that is not its claim).
    takeCommands: `WITH taken AS (UPDATE ${S}.trial_commands SET state = 'taken', take_key = $2
        WHERE trial_id = $1 AND (state = 'pending' OR (state = 'taken' AND take_key = $2))
          AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM ${S}.trials WHERE id = $1 AND claim_key = $3))
        RETURNING ${COMMAND_COLUMNS})
      SELECT t.id AS trial, t.claim_key AS trial_claim_key, taken.* FROM ${S}.trials t LEFT JOIN taken ON true
      WHERE t.id = $1 ORDER BY taken.id`,
    // Study, trial, then command: the order every writer locks in.
    lockCommand: (commandId: number) => `SELECT ${SERVER_NOW} AS now, s.id AS study_id, t.claim_key, ${columns('c', COMMAND_COLUMNS)}
      FROM ${S}.studies s JOIN ${S}.trials t ON t.study_id = s.id JOIN ${S}.trial_commands c ON c.trial_id = t.id
      WHERE c.id = ${sqlId(commandId)} FOR UPDATE`,
    settleCommand: `WITH bumped AS (UPDATE ${S}.studies SET ${BUMP} WHERE id = $1 RETURNING version),
      stamped AS (UPDATE ${S}.trials SET version = (SELECT version FROM bumped) WHERE id = $2)
      UPDATE ${S}.trial_commands SET state = $3, settled_at = $4, step = $5, message = $6 WHERE id = $7
      RETURNING ${COMMAND_COLUMNS}`,
    commandsOfTrial: `SELECT t.id AS trial, ${columns('c', COMMAND_COLUMNS)} FROM ${S}.trials t
      LEFT JOIN ${S}.trial_commands c ON c.trial_id = t.id WHERE t.id = $1 ORDER BY c.id`,
    lockTrialOnly: (trialId: number) => `SELECT ${SERVER_NOW} AS now, claim_key FROM ${S}.trials WHERE id = ${sqlId(trialId)} FOR UPDATE`,
    insertCheckpoint: `WITH c AS (INSERT INTO ${S}.trial_checkpoints (trial_id, step, kind, meta, created_at, data, save_key)
        VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *)
      SELECT ${CHECKPOINT_INFO_COLUMNS} FROM c JOIN ${S}.trials t ON t.id = c.trial_id`,
    checkpointBySaveKey: `SELECT ${CHECKPOINT_INFO_COLUMNS} FROM ${S}.trial_checkpoints c
      JOIN ${S}.trials t ON t.id = c.trial_id WHERE c.save_key = $1`,
    // Keeps the newest $2 auto checkpoints of the trial; manual ones are never touched.
    pruneAuto: `DELETE FROM ${S}.trial_checkpoints WHERE trial_id = $1 AND kind = 'auto' AND id NOT IN
      (SELECT id FROM ${S}.trial_checkpoints WHERE trial_id = $1 AND kind = 'auto' ORDER BY id DESC LIMIT $2)`,
    // One row per checkpoint, or one row of nulls when the trial has none; no row when there is no such trial.
    checkpointsOfTrial: `SELECT ${CHECKPOINT_INFO_COLUMNS}
      FROM ${S}.trials t LEFT JOIN ${S}.trial_checkpoints c ON c.trial_id = t.id WHERE t.id = $1 ORDER BY c.id`,
    checkpointWithData: `SELECT ${CHECKPOINT_INFO_COLUMNS}, c.data FROM ${S}.trial_checkpoints c
      JOIN ${S}.trials t ON t.id = c.trial_id WHERE c.id = $1`,
    // One row per trial changed after $2 (or one row of nulls but the study's version when none),
    // with its values; the study's attributes ride on the first row when they changed after $2.
    // No row at all: no such study.
    trialsSince: `SELECT s.version AS s_version, s.attrs_version AS s_attrs_version, s.run AS s_run, s.run_from AS s_run_from,
        ${['name', 'direction', 'directions', 'user_attrs', 'system_attrs', 'data', 'created_at'].map((c) =>
          `CASE WHEN s.attrs_version > $2 AND row_number() OVER (ORDER BY t.number) = 1 THEN s.${c} END AS s_${c}`).join(', ')},
        t.*, v.steps, v.step_values
      FROM ${S}.studies s
      LEFT JOIN LATERAL (SELECT ${TRIAL_COLUMNS} FROM ${S}.trials
        WHERE study_id = s.id AND version > $2 AND s.version > $2) t ON true
      LEFT JOIN LATERAL (${valuesOfTrial(S)}) v ON true
      WHERE s.id = $1 ORDER BY t.number`,
    // A fresh trial in one simple query, its statements one implicit transaction: the first locks the
    // study row; the second, with a snapshot taken after the lock, numbers and inserts the trial when
    // the conditions hold (see claimConditions), and returns nothing otherwise.
    claimFresh: (studyId: number, { now, heartbeat, where, key }: FreshClaim) => {
      const id = sqlId(studyId);
      return `SELECT 1 FROM ${S}.studies WHERE id = ${id} FOR UPDATE;
      WITH now AS (SELECT ${now}::bigint AS ms),
        bumped AS (UPDATE ${S}.studies SET ${BUMP} WHERE id = ${id} AND ${where} RETURNING version)
      INSERT INTO ${S}.trials (study_id, number, state, params, distributions, user_attrs, system_attrs,
        started_at, heartbeat_at, version, claim_key)
      SELECT ${id}, (SELECT coalesce(max(number) + 1, 0) FROM ${S}.trials WHERE study_id = ${id}), 'running',
        '{}', '{}', '{}', '{}', now.ms, ${heartbeat}, bumped.version, ${key} FROM bumped, now
      RETURNING ${TRIAL_COLUMNS}`;
    },
  };
}

/**
 * Heartbeats older than this (ms, the server's clock) are stale; null when
 * none can be yet, because the server came back less than `graceMs` ago
 * (`upSince`): a worker that could not reach it meanwhile was not dead.
 */
export function staleCutoff(now: number, graceMs: number, upSince: number | undefined): number | null {
  const cutoff = now - graceMs;
  return upSince !== undefined && upSince > cutoff ? null : cutoff;
}

/** The trial columns (or other `a, b` columns), qualified by `alias`. */
export function columns(alias: string, list = TRIAL_COLUMNS): string {
  return list.split(', ').map((c) => `${alias}.${c}`).join(', ');
}

/**
 * `text` with its `$n` placeholders replaced by `values` written as SQL
 * literals, for statements sent together in one simple query (which takes no
 * parameters). Strings are quoted by pg's escapeLiteral; numbers keep every
 * digit JavaScript prints (PostgreSQL reads them back exactly); NaN and the
 * infinities become float8 literals.
 */
export function inline(text: string, values: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, i: string) => sqlLiteral(values[Number(i) - 1]));
}

export function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : `'${String(v)}'::float8`;
  if (typeof v === 'string') return pg.escapeLiteral(v);
  if (Array.isArray(v)) return `ARRAY[${v.map(sqlLiteral).join(', ')}]`;
  throw new TypeError(`cannot write ${typeof v} into SQL`);
}

/** A number written into SQL (finite only: the options that give these are checked numbers). */
export function sqlNumber(n: number): string {
  if (!Number.isFinite(n)) throw new StorageError(`expected a finite number, got ${n}`);
  return String(n);
}

/** An id written into SQL; anything but a safe integer matches no row. */
export function sqlId(id: number): string {
  return Number.isSafeInteger(id) ? String(id) : '-1';
}

/** The intermediate values of trial `t`, as two arrays in step order (float8: exact for any step below 2^53). */
export function valuesOfTrial(S: string): string {
  return `SELECT array_agg(step::double precision ORDER BY step) AS steps, array_agg(value ORDER BY step) AS step_values
    FROM ${S}.trial_values WHERE trial_id = t.id`;
}

export function valuesOf(row: TrialRowWithValues): Map<number, number> {
  const values = new Map<number, number>();
  const steps = row.steps ?? [];
  const stepValues = row.step_values ?? [];
  for (let i = 0; i < steps.length; i++) values.set(steps[i], stepValues[i] ?? NaN);
  return values;
}
