/**
 * The PostgreSQL schema, as a list of migrations: the same tables as the
 * SQLite schema (`sqlite-schema.ts`), with PostgreSQL's types. JSON documents
 * are kept as text, exactly as SQLite keeps them, so both storages hand back
 * the same objects with keys in the same order.
 *
 * Every object lives in one PostgreSQL schema (`public` unless configured),
 * which records its version in `schema_version`. Opening applies the missing
 * migrations in one transaction under an advisory lock, so many workers
 * opening a new schema at once create it once; a version newer than this
 * code knows is refused.
 *
 * To change the schema, append a migration; never edit a released one.
 */
import type pg from 'pg';
import { SchemaVersionError, StorageError } from './errors.js';

export interface Migration {
  readonly version: number;
  /** SQL with `S.` where the schema's quoted name goes. */
  readonly sql: string;
}

/** Every migration, oldest first (exported for the test that opens a schema made by an older caviar). */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE S.schema_version (version integer NOT NULL);
      CREATE TABLE S.studies (
        id bigserial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        direction text NOT NULL CHECK (direction IN ('minimize', 'maximize')),
        user_attrs text NOT NULL,     -- JSON object
        system_attrs text NOT NULL,   -- JSON object
        data text NOT NULL,           -- JSON document, 'null' when unset
        created_at bigint NOT NULL,   -- ms since the epoch
        version bigint NOT NULL DEFAULT 0,       -- last version handed out in the study
        attrs_version bigint NOT NULL DEFAULT 0  -- version of the last change to the columns above
      );
      -- The distribution each parameter name has in a study, to refuse conflicting ones.
      CREATE TABLE S.study_params (
        study_id bigint NOT NULL REFERENCES S.studies (id) ON DELETE CASCADE,
        name text NOT NULL,
        distribution text NOT NULL,  -- JSON
        PRIMARY KEY (study_id, name)
      );
      CREATE TABLE S.trials (
        id bigserial PRIMARY KEY,
        study_id bigint NOT NULL REFERENCES S.studies (id) ON DELETE CASCADE,
        number integer NOT NULL,
        state text NOT NULL CHECK (state IN ('waiting', 'running', 'complete', 'pruned', 'failed')),
        value double precision,
        params text NOT NULL,         -- JSON object, name -> value
        distributions text NOT NULL,  -- JSON object, name -> distribution
        user_attrs text NOT NULL,
        system_attrs text NOT NULL,
        started_at bigint,
        completed_at bigint,
        heartbeat_at bigint,          -- NULL: the trial takes no part in heartbeats
        version bigint NOT NULL,
        UNIQUE (study_id, number)
      );
      CREATE INDEX trials_by_version ON S.trials (study_id, version);
      CREATE INDEX trials_by_state ON S.trials (study_id, state, number);
      -- Intermediate values; double precision keeps NaN and the infinities as they are.
      CREATE TABLE S.trial_values (
        trial_id bigint NOT NULL REFERENCES S.trials (id) ON DELETE CASCADE,
        step bigint NOT NULL,
        value double precision,
        PRIMARY KEY (trial_id, step)
      );
    `,
  },
  {
    version: 2,
    sql: `
      -- What a person asked a trial to do (pause, set, rollback...), and how it ended.
      CREATE TABLE S.trial_commands (
        id bigserial PRIMARY KEY,
        trial_id bigint NOT NULL REFERENCES S.trials (id) ON DELETE CASCADE,
        kind text NOT NULL,           -- checked by the code, as in SQLite
        args text NOT NULL,           -- JSON object
        state text NOT NULL CHECK (state IN ('pending', 'taken', 'applied', 'refused')),
        created_at bigint NOT NULL,   -- ms since the epoch, the server's clock
        settled_at bigint,
        step double precision,        -- training step it was applied or refused at
        message text
      );
      CREATE INDEX trial_commands_by_trial ON S.trial_commands (trial_id, state, id);
      -- Weights and optimizer state of a trial at a step: opaque bytes, read by any worker.
      CREATE TABLE S.trial_checkpoints (
        id bigserial PRIMARY KEY,
        trial_id bigint NOT NULL REFERENCES S.trials (id) ON DELETE CASCADE,
        step double precision NOT NULL,
        kind text NOT NULL CHECK (kind IN ('auto', 'manual')),
        meta text NOT NULL,           -- JSON object
        created_at bigint NOT NULL,
        data bytea NOT NULL
      );
      -- Float weights do not compress: store them out of line without trying.
      ALTER TABLE S.trial_checkpoints ALTER COLUMN data SET STORAGE EXTERNAL;
      CREATE INDEX trial_checkpoints_by_trial ON S.trial_checkpoints (trial_id, kind, id);
    `,
  },
  {
    version: 3,
    // Keys chosen by the writer, as in SQLite's version 3 (indexed only where set: most trials are
    // never enqueued, and a key no one gave costs nothing): a write retried after its answer was lost
    // finds the first one, and a trial's runner proves with its claim key that the trial is still its
    // claim. And the server run that handed out each study's last version (see postgres.ts).
    sql: `
      ALTER TABLE S.studies ADD COLUMN create_key text,  -- the key of the call that created it
        ADD COLUMN run text,                             -- the server run that handed out the last version
        ADD COLUMN run_from bigint NOT NULL DEFAULT 0;   -- the version when that run began (it went on past a gap)
      ALTER TABLE S.trials ADD COLUMN claim_key text,    -- the key of the claim that runs (or ran) the trial
        ADD COLUMN enqueue_key text;                     -- the key of the request that enqueued it
      CREATE UNIQUE INDEX trials_by_claim_key ON S.trials (study_id, claim_key) WHERE claim_key IS NOT NULL;
      CREATE UNIQUE INDEX trials_by_enqueue_key ON S.trials (study_id, enqueue_key) WHERE enqueue_key IS NOT NULL;
      ALTER TABLE S.trial_commands ADD COLUMN send_key text,  -- the key it was sent with
        ADD COLUMN take_key text;                             -- the key of the take that took it
      CREATE UNIQUE INDEX trial_commands_by_send_key ON S.trial_commands (send_key) WHERE send_key IS NOT NULL;
      ALTER TABLE S.trial_checkpoints ADD COLUMN save_key text;
      CREATE UNIQUE INDEX trial_checkpoints_by_save_key ON S.trial_checkpoints (save_key) WHERE save_key IS NOT NULL;
    `,
  },
  {
    version: 4,
    // Multi-objective studies (see sqlite-schema.ts): NULL for single-objective ones.
    sql: `
      ALTER TABLE S.studies ADD COLUMN directions text;            -- JSON array, one direction per objective
      ALTER TABLE S.trials ADD COLUMN objective_values text,       -- JSON array, one value per objective
        ADD COLUMN intermediate_vectors text;                      -- JSON object, step -> reported vector
    `,
  },
];

/** The newest schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** `name` as a quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Brings `schema` to `SCHEMA_VERSION`, creating it when needed and
 * `options.create` allows (default true; false refuses a schema without
 * caviar's tables, naming it and the database). Runs its own transaction on
 * `client`, serialized with every other caviar opening the same schema by an
 * advisory lock.
 *
 * @example
 *   await migrate(client, 'caviar', 'postgres://me@db/test?schema=caviar', { database: 'test' });
 */
export async function migrate(
  client: pg.PoolClient,
  schema: string,
  where: string,
  options: { create?: boolean; database?: string } = {},
): Promise<void> {
  const S = quoteIdent(schema);
  await client.query('BEGIN');
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('caviar schema ' || $1))", [schema]);
    const current = await currentVersion(client, schema, where);
    if (current > SCHEMA_VERSION) {
      throw new SchemaVersionError(
        `${where} has schema version ${current}, but this caviar knows versions up to ${SCHEMA_VERSION}: upgrade caviar to open it`,
      );
    }
    if (current === 0 && options.create === false) {
      const exists = (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rows.length > 0;
      const db = options.database ? ` in database "${options.database}"` : '';
      throw new StorageError(
        `${where}: ${exists ? `schema "${schema}"${db} holds no caviar studies` : `no schema "${schema}"${db}`}` +
          ` (is ?schema= mistyped? 'caviar tune EXPERIMENT --storage URL' creates it with the first study)`,
      );
    }
    if (current < SCHEMA_VERSION) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${S}`);
      for (const m of MIGRATIONS) if (m.version > current) await client.query(m.sql.replace(/\bS\./g, `${S}.`));
      await client.query(`DELETE FROM ${S}.schema_version`);
      await client.query(`INSERT INTO ${S}.schema_version (version) VALUES ($1)`, [SCHEMA_VERSION]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

async function currentVersion(client: pg.PoolClient, schema: string, where: string): Promise<number> {
  const tables = await client.query<{ name: string }>('SELECT tablename AS name FROM pg_tables WHERE schemaname = $1', [schema]);
  if (tables.rows.length === 0) return 0;
  if (!tables.rows.some((r) => r.name === 'schema_version')) {
    throw new StorageError(
      `${where}: schema "${schema}" already holds tables that are not caviar's (no schema_version table); choose another schema with ?schema=NAME`,
    );
  }
  const row = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${quoteIdent(schema)}.schema_version`);
  return row.rows[0].v ?? 0;
}
