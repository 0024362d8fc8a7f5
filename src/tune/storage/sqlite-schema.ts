/**
 * The SQLite schema, as a list of migrations. The database records the
 * version it is at in `schema_version`; opening it applies the migrations it
 * lacks, in one transaction, and refuses a version newer than this code knows
 * (a newer caviar wrote it, and this one would misread it).
 *
 * To change the schema, append a migration; never edit a released one.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { SchemaVersionError, StudyFileError } from './errors.js';

export interface Migration {
  readonly version: number;
  readonly sql: string;
}

/** Every migration, oldest first (exported for the test that opens a database made by an older caviar). */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE schema_version (version INTEGER NOT NULL);
      CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        direction TEXT NOT NULL CHECK (direction IN ('minimize', 'maximize')),
        user_attrs TEXT NOT NULL,     -- JSON object
        system_attrs TEXT NOT NULL,   -- JSON object
        data TEXT NOT NULL,           -- JSON document, 'null' when unset
        created_at INTEGER NOT NULL,  -- ms since the epoch
        version INTEGER NOT NULL DEFAULT 0,       -- last version handed out in the study
        attrs_version INTEGER NOT NULL DEFAULT 0  -- version of the last change to the columns above
      );
      -- The distribution each parameter name has in a study, to refuse conflicting ones.
      CREATE TABLE study_params (
        study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        distribution TEXT NOT NULL,  -- JSON
        PRIMARY KEY (study_id, name)
      ) WITHOUT ROWID;
      CREATE TABLE trials (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('waiting', 'running', 'complete', 'pruned', 'failed')),
        value REAL,
        params TEXT NOT NULL,         -- JSON object, name -> value
        distributions TEXT NOT NULL,  -- JSON object, name -> distribution
        user_attrs TEXT NOT NULL,
        system_attrs TEXT NOT NULL,
        started_at INTEGER,
        completed_at INTEGER,
        heartbeat_at INTEGER,         -- NULL: the trial takes no part in heartbeats
        version INTEGER NOT NULL,
        UNIQUE (study_id, number)
      );
      CREATE INDEX trials_by_version ON trials (study_id, version);
      CREATE INDEX trials_by_state ON trials (study_id, state, number);
      -- Intermediate values; SQLite stores NaN as NULL, read back as NaN.
      CREATE TABLE trial_values (
        trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        value REAL,
        PRIMARY KEY (trial_id, step)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    // AUTOINCREMENT: an id is never reused, even after its row is deleted, so a
    // fork's origin can never come to name another trial's checkpoint.
    sql: `
      -- What a person asked a trial to do (pause, set, rollback...), and how it ended.
      CREATE TABLE trial_commands (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,           -- checked by the code, so a new kind needs no table rebuild
        args TEXT NOT NULL,           -- JSON object
        state TEXT NOT NULL CHECK (state IN ('pending', 'taken', 'applied', 'refused')),
        created_at INTEGER NOT NULL,  -- ms since the epoch
        settled_at INTEGER,
        step REAL,                    -- training step it was applied or refused at
        message TEXT
      );
      CREATE INDEX trial_commands_by_trial ON trial_commands (trial_id, state, id);
      -- Weights and optimizer state of a trial at a step: opaque bytes, read by any worker.
      CREATE TABLE trial_checkpoints (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
        step REAL NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('auto', 'manual')),
        meta TEXT NOT NULL,           -- JSON object
        created_at INTEGER NOT NULL,
        data BLOB NOT NULL
      );
      CREATE INDEX trial_checkpoints_by_trial ON trial_checkpoints (trial_id, kind, id);
    `,
  },
  {
    version: 3,
    // Keys chosen by the writer: a write sent again (its answer was lost) finds
    // the first one instead of writing twice, and a trial's runner proves with
    // its claim key that the trial is still the one it claimed. Indexed only where set.
    sql: `
      ALTER TABLE trials ADD COLUMN claim_key TEXT;    -- the key of the claim that runs (or ran) the trial
      ALTER TABLE trials ADD COLUMN enqueue_key TEXT;  -- the key of the request that enqueued it
      CREATE UNIQUE INDEX trials_by_claim_key ON trials (study_id, claim_key) WHERE claim_key IS NOT NULL;
      CREATE UNIQUE INDEX trials_by_enqueue_key ON trials (study_id, enqueue_key) WHERE enqueue_key IS NOT NULL;
      ALTER TABLE trial_commands ADD COLUMN send_key TEXT;  -- the key it was sent with
      ALTER TABLE trial_commands ADD COLUMN take_key TEXT;  -- the key of the take that took it
      CREATE UNIQUE INDEX trial_commands_by_send_key ON trial_commands (send_key) WHERE send_key IS NOT NULL;
      ALTER TABLE trial_checkpoints ADD COLUMN save_key TEXT;
      CREATE UNIQUE INDEX trial_checkpoints_by_save_key ON trial_checkpoints (save_key) WHERE save_key IS NOT NULL;
    `,
  },
  {
    version: 4,
    // Multi-objective studies. Every column is NULL for a single-objective
    // study, so the files of earlier versions read exactly as before.
    sql: `
      ALTER TABLE studies ADD COLUMN directions TEXT;             -- JSON array, one direction per objective
      ALTER TABLE trials ADD COLUMN objective_values TEXT;        -- JSON array, one value per objective
      ALTER TABLE trials ADD COLUMN intermediate_vectors TEXT;    -- JSON object, step -> reported vector
    `,
  },
];

/** The newest schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * Brings the database at `db` (the file at `path`) to `SCHEMA_VERSION`; call
 * inside an IMMEDIATE transaction so two processes opening a new file at once
 * do not both create it.
 *
 * @example
 *   db.transaction(() => migrate(db, 'study.db')).immediate();
 */
export function migrate(db: BetterSqlite3.Database, path: string): void {
  const where = `sqlite:${path}`;
  const current = currentVersion(db, path);
  if (current > SCHEMA_VERSION) {
    throw new SchemaVersionError(
      `${where} has schema version ${current}, but this caviar knows versions up to ${SCHEMA_VERSION}: upgrade caviar to open it`,
    );
  }
  if (current === SCHEMA_VERSION) return;
  for (const m of MIGRATIONS) if (m.version > current) db.exec(m.sql);
  db.prepare('DELETE FROM schema_version').run();
  db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
}

function currentVersion(db: BetterSqlite3.Database, path: string): number {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!hasTable) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    if (tables.n > 0) {
      throw new StudyFileError(path, 'an SQLite database, but not a caviar study file: it has no schema_version table', 'point --storage at a study file caviar wrote');
    }
    return 0;
  }
  const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}
