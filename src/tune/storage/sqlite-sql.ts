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

/** The prepared statements of one connection, by what they do. */
export type Statements = ReturnType<typeof prepare>;

/** Every statement of the SQLite storage, prepared on `db`. */
export function prepare(db: BetterSqlite3.Database) {
  return {
    studyById: db.prepare('SELECT * FROM studies WHERE id = ?'),
    studyByName: db.prepare('SELECT * FROM studies WHERE name = ?'),
    allStudies: db.prepare('SELECT * FROM studies ORDER BY id'),
    insertStudy: db.prepare(
      'INSERT INTO studies (name, direction, directions, user_attrs, system_attrs, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *',
    ),
    updateStudyAttrs: db.prepare(
      'UPDATE studies SET user_attrs = ?, system_attrs = ?, data = ?, attrs_version = ? WHERE id = ?',
    ),
    deleteStudy: db.prepare('DELETE FROM studies WHERE name = ?'),
    bump: db.prepare('UPDATE studies SET version = version + 1 WHERE id = ? RETURNING version'),
    studyParam: db.prepare('SELECT distribution FROM study_params WHERE study_id = ? AND name = ?'),
    insertStudyParam: db.prepare('INSERT OR IGNORE INTO study_params (study_id, name, distribution) VALUES (?, ?, ?)'),
    nextNumber: db.prepare('SELECT coalesce(max(number) + 1, 0) AS n FROM trials WHERE study_id = ?'),
    insertTrial: db.prepare(
      "INSERT INTO trials (study_id, number, state, params, distributions, user_attrs, system_attrs, version) VALUES (?, ?, ?, '{}', '{}', '{}', '{}', ?)",
    ),
    saveTrial: db.prepare(
      `UPDATE trials SET state = ?, value = ?, objective_values = ?, intermediate_vectors = ?, params = ?, distributions = ?, user_attrs = ?, system_attrs = ?,
         started_at = ?, completed_at = ?, heartbeat_at = ?, version = ? WHERE id = ?`,
    ),
    trialById: db.prepare(`SELECT ${TRIAL_COLUMNS}, claim_key FROM trials WHERE id = ?`),
    trialByClaimKey: db.prepare(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND claim_key = ?`),
    trialByEnqueueKey: db.prepare(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND enqueue_key = ?`),
    setClaimKey: db.prepare('UPDATE trials SET claim_key = ? WHERE id = ?'),
    setEnqueueKey: db.prepare('UPDATE trials SET enqueue_key = ? WHERE id = ?'),
    firstWaiting: db.prepare(
      `SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND state = 'waiting' ORDER BY number LIMIT 1`,
    ),
    retryCandidates: db.prepare(
      `SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND state = 'failed'
         AND json_extract(system_attrs, '$.retryable') = 1 AND json_extract(system_attrs, '$.retriedBy') IS NULL
       ORDER BY number`,
    ),
    countBusy: db.prepare("SELECT count(*) AS n FROM trials WHERE study_id = ? AND state IN ('complete', 'running')"),
    staleTrials: db.prepare(
      `SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND state = 'running'
         AND heartbeat_at IS NOT NULL AND heartbeat_at < ? ORDER BY number`,
    ),
    heartbeat: db.prepare(
      "UPDATE trials SET heartbeat_at = ? WHERE id = ? AND state = 'running' AND heartbeat_at IS NOT NULL AND (? IS NULL OR claim_key = ?)",
    ),
    insertValue: db.prepare('INSERT OR IGNORE INTO trial_values (trial_id, step, value) VALUES (?, ?, ?)'),
    valuesOfTrial: db.prepare('SELECT step, value FROM trial_values WHERE trial_id = ? ORDER BY step'),
    trialsSince: db.prepare(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = ? AND version > ? ORDER BY number`),
    stampTrial: db.prepare('UPDATE trials SET version = ? WHERE id = ?'),
    insertCommand: db.prepare(
      `INSERT INTO trial_commands (trial_id, kind, args, state, created_at, send_key) VALUES (?, ?, ?, 'pending', ?, ?) RETURNING ${COMMAND_COLUMNS}`,
    ),
    commandBySendKey: db.prepare(`SELECT ${COMMAND_COLUMNS} FROM trial_commands WHERE send_key = ?`),
    checkpointBySaveKey: db.prepare(
      `SELECT ${CHECKPOINT_INFO_COLUMNS} FROM trial_checkpoints c JOIN trials t ON t.id = c.trial_id WHERE c.save_key = ?`,
    ),
    pendingProbe: db.prepare(
      `SELECT (SELECT 1 FROM trials WHERE id = ?) AS trial, (SELECT claim_key FROM trials WHERE id = ?) AS claim_key,
         (SELECT 1 FROM trial_commands WHERE trial_id = ? AND state = 'pending' LIMIT 1) AS pending`,
    ),
    takeCommands: db.prepare(
      `UPDATE trial_commands SET state = 'taken', take_key = ? WHERE trial_id = ? AND state = 'pending' RETURNING ${COMMAND_COLUMNS}`,
    ),
    commandById: db.prepare(
      `SELECT ${columnsOf('c', COMMAND_COLUMNS)}, t.study_id, t.claim_key FROM trial_commands c JOIN trials t ON t.id = c.trial_id WHERE c.id = ?`,
    ),
    settleCommand: db.prepare(
      `UPDATE trial_commands SET state = ?, settled_at = ?, step = ?, message = ? WHERE id = ? RETURNING ${COMMAND_COLUMNS}`,
    ),
    commandsOfTrial: db.prepare(`SELECT ${COMMAND_COLUMNS} FROM trial_commands WHERE trial_id = ? ORDER BY id`),
    insertCheckpoint: db.prepare(
      'INSERT INTO trial_checkpoints (trial_id, step, kind, meta, created_at, data, save_key) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    // Keeps the newest `keep` auto checkpoints of the trial; manual ones are never touched.
    pruneAuto: db.prepare(
      `DELETE FROM trial_checkpoints WHERE trial_id = ? AND kind = 'auto' AND id NOT IN
         (SELECT id FROM trial_checkpoints WHERE trial_id = ? AND kind = 'auto' ORDER BY id DESC LIMIT ?)`,
    ),
    checkpointInfo: db.prepare(
      `SELECT ${CHECKPOINT_INFO_COLUMNS} FROM trial_checkpoints c JOIN trials t ON t.id = c.trial_id WHERE c.id = ?`,
    ),
    checkpointsOfTrial: db.prepare(
      `SELECT ${CHECKPOINT_INFO_COLUMNS} FROM trial_checkpoints c JOIN trials t ON t.id = c.trial_id WHERE c.trial_id = ? ORDER BY c.id`,
    ),
    checkpointWithData: db.prepare(
      `SELECT ${CHECKPOINT_INFO_COLUMNS}, c.data FROM trial_checkpoints c JOIN trials t ON t.id = c.trial_id WHERE c.id = ?`,
    ),
    valuesSince: db.prepare(
      `SELECT v.trial_id, v.step, v.value FROM trials t JOIN trial_values v ON v.trial_id = t.id
       WHERE t.study_id = ? AND t.version > ? ORDER BY v.trial_id, v.step`,
    ),
  };
}

/** `a, b` qualified as `x.a, x.b`. */
function columnsOf(alias: string, columns: string): string {
  return columns.split(', ').map((c) => `${alias}.${c}`).join(', ');
}
