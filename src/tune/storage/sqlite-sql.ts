/**
 * The SQLite storage's SQL: every statement it runs, prepared once per
 * connection (`prepare`), and the rows of intermediate values they read.
 * sqlite.ts runs them inside its transactions.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { CHECKPOINT_INFO_COLUMNS, COMMAND_COLUMNS, TRIAL_COLUMNS } from './sql-rows.js';

/** A row of trial_values. */
export interface ValueRow {
  step: number;
  value: number | null;
}

/**
 * What the storage calls on a prepared statement: better-sqlite3's
 * `Statement` has it all. Named here because a declaration of the inferred
 * type would have to name better-sqlite3's own types, which it cannot (TS4058).
 */
export interface SqlStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

/** The prepared statements of one connection, by what they do. */
export type Statements = ReturnType<typeof prepare>;

/** Every statement of the SQLite storage, prepared on `db`. */
export function prepare(db: BetterSqlite3.Database) {
  const p = (sql: string): SqlStatement => db.prepare(sql);
  return {
    studyById: p('SELECT * FROM studies WHERE id = ?'),
    studyByName: p('SELECT * FROM studies WHERE name = ?'),
    allStudies: p('SELECT * FROM studies ORDER BY id'),
    insertStudy: p(
      'INSERT INTO studies (name, direction, directions, user_attrs, system_attrs, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *',
    ),
    updateStudyAttrs: p(
      'UPDATE studies SET user_attrs = ?, system_attrs = ?, data = ?, attrs_version = ? WHERE id = ?',
    ),
    deleteStudy: p('DELETE FROM studies WHERE name = ?'),
    bump: p('UPDATE studies SET version = version + 1 WHERE id = ? RETURNING version'),
    studyParam: p('SELECT distribution FROM study_params WHERE study_id = ? AND name = ?'),
    insertStudyParam: p('INSERT OR IGNORE INTO study_params (study_id, name, distribution) VALUES (?, ?, ?)'),
    nextNumber: p('SELECT coalesce(max(number) + 1, 0) AS n FROM trials WHERE study_id = ?'),
    insertTrial: p(
      "INSERT INTO trials (study_id, number, state, params, distributions, user_attrs, system_attrs, version) VALUES (?, ?, ?, '{}', '{}', '{}', '{}', ?)",
    ),
    saveTrial: p(
      `UPDATE trials SET state = ?, value = ?, objective_values = ?, intermediate_vectors = ?, params = ?, distributions = ?, user_attrs = ?, system_attrs = ?,
         started_at = ?, completed_at = ?, heartbeat_at = ?, version = ? WHERE id = ?`,
    ),
    trialById: p(`SELECT ${TRIAL_COLUMNS}, claim_key FROM trials WHERE id = ?`),
    trialByClaimKey: p(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND claim_key = ?`),
    trialByEnqueueKey: p(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND enqueue_key = ?`),
    setClaimKey: p('UPDATE trials SET claim_key = ? WHERE id = ?'),
    setEnqueueKey: p('UPDATE trials SET enqueue_key = ? WHERE id = ?'),
    firstWaiting: p(
      `SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND state = 'waiting' ORDER BY number LIMIT 1`,
    ),
    retryCandidates: p(
      `SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND state = 'failed'
         AND json_extract(system_attrs, '$.retryable') = 1 AND json_extract(system_attrs, '$.retriedBy') IS NULL
       ORDER BY number`,
    ),
    countBusy: p("SELECT count(*) AS n FROM trials WHERE study_id = ? AND state IN ('complete', 'running')"),
    staleTrials: p(
      `SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND state = 'running'
         AND heartbeat_at IS NOT NULL AND heartbeat_at < ? ORDER BY number`,
    ),
    heartbeat: p(
      "UPDATE trials SET heartbeat_at = ? WHERE id = ? AND state = 'running' AND heartbeat_at IS NOT NULL AND (? IS NULL OR claim_key = ?)",
    ),
    insertValue: p('INSERT OR IGNORE INTO trial_values (trial_id, step, value) VALUES (?, ?, ?)'),
    valuesOfTrial: p('SELECT step, value FROM trial_values WHERE trial_id = ? ORDER BY step'),
    trialsSince: p(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND version > ? ORDER BY number`),
    stampTrial: p('UPDATE trials SET version = ? WHERE id = ?'),
    insertCommand: p(
      `INSERT INTO trial_commands (trial_id, kind, args, state, created_at, send_key) VALUES (?, ?, ?, 'pending', ?, ?) RETURNING ${COMMAND_COLUMNS}`,
    ),
    commandBySendKey: p(`SELECT ${COMMAND_COLUMNS} FROM trial_commands WHERE send_key = ?`),
    checkpointBySaveKey: p(
      `SELECT ${CHECKPOINT_INFO_COLUMNS} FROM trial_checkpoints c JOIN trials t ON t.id = c.trial_id WHERE c.save_key = ?`,
    ),
    pendingProbe: p(
      `SELECT (SELECT 1 FROM trials WHERE id = ?) AS trial, (SELECT claim_key FROM trials WHERE id = ?) AS claim_key,
         (SELECT 1 FROM trial_commands WHERE trial_id = ? AND state = 'pending' LIMIT 1) AS pending`,
    ),
    takeCommands: p(
      `UPDATE trial_commands SET state = 'taken', take_key = ? WHERE trial_id = ? AND state = 'pending' RETURNING ${COMMAND_COLUMNS}`,
    ),
    commandById: p(
      `SELECT ${columnsOf('c', COMMAND_COLUMNS)}, t.study_id, t.claim_key FROM trial_commands c JOIN trials t ON t.id = c.trial_id WHERE c.id = ?`,
    ),
    settleCommand: p(
      `UPDATE trial_commands SET state = ?, settled_at = ?, step = ?, message = ? WHERE id = ? RETURNING ${COMMAND_COLUMNS}`,
    ),
    commandsOfTrial: p(`SELECT ${COMMAND_COLUMNS} FROM trial_commands WHERE trial_id = ? ORDER BY id`),
    insertCheckpoint: p(
      'INSERT INTO trial_checkpoints (trial_id, step, kind, meta, created_at, data, save_key) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    // Keeps the newest `keep` auto checkpoints of the trial; manual ones are never touched.
    pruneAuto: p(
      `DELETE FROM trial_checkpoints WHERE trial_id = ? AND kind = 'auto' AND id NOT IN
         (SELECT id FROM trial_checkpoints WHERE trial_id = ? AND kind = 'auto' ORDER BY id DESC LIMIT ?)`,
    ),
    checkpointInfo: p(
      `SELECT ${CHECKPOINT_INFO_COLUMNS} FROM trial_checkpoints c JOIN trials t ON t.id = c.trial_id WHERE c.id = ?`,
    ),
    checkpointsOfTrial: p(
      `SELECT ${CHECKPOINT_INFO_COLUMNS} FROM trial_checkpoints c JOIN trials t ON t.id = c.trial_id WHERE c.trial_id = ? ORDER BY c.id`,
    ),
    checkpointWithData: p(
      `SELECT ${CHECKPOINT_INFO_COLUMNS}, c.data FROM trial_checkpoints c JOIN trials t ON t.id = c.trial_id WHERE c.id = ?`,
    ),
    valuesSince: p(
      `SELECT v.trial_id, v.step, v.value FROM trials t JOIN trial_values v ON v.trial_id = t.id
       WHERE t.study_id = ? AND t.version > ? ORDER BY v.trial_id, v.step`,
    ),
  };
}

/** `a, b` qualified as `x.a, x.b`. */
function columnsOf(alias: string, columns: string): string {
  return columns.split(', ').map((c) => `${alias}.${c}`).join(', ');
}
