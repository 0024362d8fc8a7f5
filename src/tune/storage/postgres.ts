/**
 * PostgreSQL storage: one study database shared by workers on any number of
 * machines (the `pg` client), with exactly the semantics of the SQLite
 * storage, whose tables and logic it mirrors.
 *
 * - **One lock per study.** Every write that changes what a reader sees first
 *   locks the study row (`SELECT ... FOR UPDATE`) and bumps its version
 *   counter, holding the lock until commit: trial numbers are dense and
 *   unique, and versions become visible in increasing order. Locks are always
 *   taken study first, then trials, so writers never deadlock one another;
 *   a heartbeat touches one trial row only.
 * - **Claims** take the oldest waiting trial or due retry with `FOR UPDATE
 *   SKIP LOCKED`, else insert a new trial numbered under the study lock.
 * - **No lock errors.** Serialization failures, deadlocks, a dropped
 *   connection and a restarting server are retried here with jittered
 *   backoff (for `reconnectForMs` in all), never reaching the caller.
 * - **Durability**: by default a commit returns once the server has flushed
 *   it to disk, so nothing acknowledged is lost even if the server crashes;
 *   `?durability=fast` trades that for speed (see `durability`).
 * - **The server's clock** (`clock_timestamp()`) stamps heartbeats and judges
 *   staleness, so workers with skewed clocks agree. A server that has just
 *   come back (a restart, a crash) fails no trial as stale before it has been
 *   up for the grace period: workers that could not reach it meanwhile were
 *   alive, and get that long to send their next heartbeat.
 * - **Incremental reads.** `trialsSince` reads, in one snapshot, only trials
 *   whose version is past the cursor (an index on `(study_id, version)`),
 *   with their intermediate values aggregated in the same query.
 * - **Commands** are taken by one `UPDATE ... WHERE state = 'pending'
 *   RETURNING`: a second taker waits on the rows' locks, re-checks the state
 *   and skips what the first took. Sending and settling lock the study, then
 *   the trial, then the command, like every other writer. **Checkpoints** are
 *   `bytea` stored out of line uncompressed; saving one locks its trial's row
 *   so that `keepAuto` pruning sees every auto checkpoint of the trial.
 * - **A lost answer is not a second write.** A connection lost while COMMIT
 *   runs leaves the write done or not, and the retry cannot tell which; so
 *   every write that would otherwise repeat carries a key made here (or given
 *   by the caller), unique in the schema (schema version 3), and the retry
 *   finds the first write by it: a claim returns the trial it claimed, an
 *   enqueue or a command or a checkpoint its row, a take the commands it
 *   took, a new study itself; a finish, a settle or a delete that finds its
 *   work done returns as if it had done it.
 * - **Crashes that lose commits** (`durability=fast`, or a server whose disk
 *   lied) can roll the study's version counter back below a version readers
 *   have seen, and hand trial ids and numbers out again. Each study row
 *   records the server run (its start time and statistics-reset time, which
 *   change on every restart and every crash recovery) that handed out its
 *   last version; the first version a new run hands out jumps by
 *   `VERSION_GAP`, so nothing a reader saw before the crash can hide what
 *   comes after, and `trialsSince` answers a cursor inside the gap (or past
 *   the counter) with every trial and `reset: true`. A runner's claim key
 *   (see storage.ts) keeps a reused trial id from taking its writes.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Distribution, FrozenTrial } from '../types.js';
import {
  DuplicateStudyError,
  InvalidWriteError,
  RecordNotFoundError,
  StorageError,
  StudyNotFoundError,
  TrialFinishedError,
  TrialNotFoundError,
} from './errors.js';
import { migrate, quoteIdent } from './postgres-schema.js';
// One idea of where a password sits in a URL (also '@', ':' or '/' inside it), shared with every command.
import { redactUrl as redact } from '../../util/redact.js';
import {
  checkpoint,
  checkpointInfo,
  CHECKPOINT_INFO_COLUMNS,
  COMMAND_COLUMNS,
  commandRecord,
  frozen,
  isHeartbeatOnly,
  loaded,
  studyRecord,
  TRIAL_COLUMNS,
  type CheckpointRow,
  type CommandRow,
  type Loaded,
  type StudyRow,
  type TrialRow,
} from './sql-rows.js';
import {
  applyTrialUpdate,
  checkAttrs,
  checkClaim,
  checkCommandOutcome,
  checkKey,
  checkSameCheckpoint,
  checkSameCommand,
  checkJson,
  checkNewCheckpoint,
  checkNewCommand,
  checkStudyInput,
  finish,
  isDueRetry,
  retryCount,
  staleOutcome,
} from './rules.js';
import type {
  Checkpoint,
  CheckpointInfo,
  ClaimOptions,
  CommandOutcome,
  CommandRecord,
  ParamWrite,
  EnqueuedTrial,
  NewCheckpoint,
  NewCommand,
  NewStudy,
  SaveCheckpointOptions,
  Storage,
  StudyRecord,
  StudyUpdate,
  TrialsPage,
  TrialUpdate,
} from './storage.js';

/** Options of the PostgreSQL storage. */
export interface PostgresStorageOptions {
  /** The PostgreSQL schema holding caviar's tables (default: the URL's `?schema=`, else `public`). */
  readonly schema?: string;
  /**
   * `full` (default; the URL's `?durability=` when not given): a commit
   * returns once the server has flushed it to disk (the server's
   * `synchronous_commit`, `on` unless its administrator changed it), so a
   * trial reported complete stays complete through a crash of the server or
   * its machine. `fast` commits without waiting for that flush
   * (`synchronous_commit = off`): a commit still survives the death of any
   * worker and a clean restart of the server, but a crash of the server's
   * machine can lose the last fraction of a second of commits (never
   * corrupting anything: the database comes back as of a slightly earlier
   * moment, and workers fail and retry the trials whose results it lost).
   * Each write then costs one round trip instead of a round trip plus a disk
   * flush; see docs/BENCHMARKS.md for what that is worth.
   */
  readonly durability?: Durability;
  /**
   * Refuse a schema that holds no caviar tables yet instead of creating it
   * (what commands that only read or join a study want: a mistyped
   * `?schema=` is then an error, not a new empty schema).
   */
  readonly mustExist?: boolean;
  /** Connections kept open (default 4). */
  readonly poolSize?: number;
  /** Give up with an error after the server has been unreachable this long in all (ms, default 120000). */
  readonly reconnectForMs?: number;
  /** Milliseconds to wait for a connection to open (default 10000). */
  readonly connectTimeoutMs?: number;
  /** Tests only: a clock for heartbeats and timestamps (ms) instead of the server's. */
  readonly clock?: () => number;
  /**
   * Tests only: called after each transaction has committed, with the name of
   * the storage method that ran it; returning true drops the connection
   * before the answer is read, as a network cut during COMMIT would, so the
   * method retries a write that in fact succeeded.
   */
  readonly loseAnswerAfterCommit?: (method: string) => boolean;
}


/** SQL pieces of a fresh claim: the time now, the heartbeat to record, and when a fresh trial is the answer. */
interface FreshClaim {
  readonly now: string;
  readonly heartbeat: string;
  readonly where: string;
  /** The claim's key, as an SQL literal. */
  readonly key: string;
}

/** The study's columns on `trialsSince`'s rows (attributes on the first row only, and only when they changed). */
interface SinceColumns {
  s_version: number;
  s_attrs_version: number;
  s_name: string | null;
  s_direction: StudyRow['direction'] | null;
  s_user_attrs: string | null;
  s_system_attrs: string | null;
  s_data: string | null;
  s_created_at: number | null;
  s_run: string | null;
  s_run_from: number;
}

interface TrialRowWithValues extends TrialRow {
  /** Intermediate values, from `array_agg` (null when the trial has none). */
  steps?: number[] | null;
  step_values?: number[] | null;
}

/** A trial row read under its lock, with what only a writer needs. */
type LockedTrial = TrialRowWithValues & { now: number; claim_key: string | null };

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
const SERVER_RUN = `((extract(epoch from pg_postmaster_start_time()) * 1000000)::bigint::text || '/' ||
  coalesce((extract(epoch from pg_stat_get_bgwriter_stat_reset_time()) * 1000000)::bigint::text, ''))`;

/** When the server's run began (ms): its start, or its last recovery from a crash (see `SERVER_RUN`). */
const SERVER_UP_SINCE = `(extract(epoch from greatest(pg_postmaster_start_time(),
  coalesce(pg_stat_get_bgwriter_stat_reset_time(), pg_postmaster_start_time()))) * 1000)::bigint`;

/** The study's next version: one more within a server run, a jump past `VERSION_GAP` in a new one. */
const NEXT_VERSION = `CASE WHEN run IS NOT DISTINCT FROM ${SERVER_RUN} THEN version + 1 ELSE version + ${VERSION_GAP} END`;

/** The SET clause that hands out the study's next version (use with RETURNING version). */
const BUMP = `version = ${NEXT_VERSION}, run_from = CASE WHEN run IS NOT DISTINCT FROM ${SERVER_RUN} THEN run_from ELSE version END,
  run = ${SERVER_RUN}`;


const STUDY_COLUMNS = 'id, name, direction, user_attrs, system_attrs, data, created_at, version, attrs_version';
/** The server's clock in ms since the epoch. */
const SERVER_NOW = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** How long a commit waits: see `PostgresStorageOptions.durability`. */
export type Durability = 'full' | 'fast';

/** bigint columns (ids, versions, ms timestamps) as JS numbers: they stay far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** What a `postgres://` URL names, with the password left out of anything printed. */
interface Target {
  readonly connectionString: string;
  readonly schema: string;
  /** `postgres://user@host:port/db` (plus `?schema=` when not public), for messages. */
  readonly location: string;
  /** `host:port`, for connection errors. */
  readonly address: string;
  readonly user: string;
  readonly database: string;
  readonly durability: Durability;
}

/**
 * Studies in a PostgreSQL database. Open with `PostgresStorage.open`, which
 * creates the schema and its tables when needed.
 *
 * @example
 *   const storage = await PostgresStorage.open('postgres://postgres@127.0.0.1/test', { schema: 'caviar' });
 *   const study = (await storage.getStudy('mlp')) ?? (await storage.createStudy({ name: 'mlp', direction: 'minimize' }));
 *   await storage.close();
 */
export class PostgresStorage implements Storage {
  readonly location: string;
  /** The PostgreSQL schema holding the tables. */
  readonly schema: string;
  /** Whether a commit waits for the server's disk flush (`full`) or not (`fast`). */
  readonly durability: Durability;
  private readonly clock: (() => number) | undefined;
  private readonly reconnectForMs: number;
  private readonly loseAnswer: ((method: string) => boolean) | undefined;
  private readonly q: ReturnType<typeof statements>;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    /** The URL it was opened with (password included), for `reopen`-style uses. */
    readonly url: string,
    target: Target,
    options: PostgresStorageOptions,
  ) {
    this.location = target.location;
    this.schema = target.schema;
    this.durability = target.durability;
    this.clock = options.clock;
    this.reconnectForMs = options.reconnectForMs ?? 120_000;
    this.loseAnswer = options.loseAnswerAfterCommit;
    this.q = statements(quoteIdent(target.schema));
  }

  /**
   * Connects to the database at `url` (`postgres://user[:password]@host[:port]/db[?schema=NAME]`)
   * and brings its schema up to date. Throws a one-line `StorageError` for a
   * bad URL, a refused connection or failed authentication, and
   * `SchemaVersionError` for a schema written by a newer caviar.
   *
   * @example
   *   const storage = await PostgresStorage.open('postgres://worker@db.lan/studies');
   */
  static async open(url: string, options: PostgresStorageOptions = {}): Promise<PostgresStorage> {
    const target = parseTarget(url, options.schema, options.durability);
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: options.poolSize ?? 4,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      keepAlive: true,
      allowExitOnIdle: true,
      types: TYPES,
      application_name: 'caviar',
      ...(target.durability === 'fast' ? { options: '-c synchronous_commit=off' } : {}),
    });
    // An idle connection the server dropped (a restart): the pool discards it and the next query reconnects.
    pool.on('error', () => undefined);
    // A connection in use when the server goes away (a restart) emits 'error' on its client; without a
    // listener that would crash the process. The query running on it rejects too, and is retried.
    pool.on('connect', (client) => client.on('error', () => undefined));
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw connectError(e, target);
    }
    try {
      await migrate(client, target.schema, target.location, { create: !options.mustExist, database: target.database });
      client.release();
    } catch (e) {
      client.release(true);
      await pool.end().catch(() => undefined);
      if (e instanceof StorageError) throw e;
      throw new StorageError(`cannot open ${target.location}: ${(e as Error).message}`);
    }
    return new PostgresStorage(pool, url, target, options);
  }

  async createStudy(study: NewStudy): Promise<StudyRecord> {
    checkStudyInput(study);
    const key = randomUUID();
    return this.transaction('createStudy', undefined, async (c, _first, attempt) => {
      try {
        const row = await c.query<StudyRow>(this.q.insertStudy, [
          study.name,
          study.direction,
          JSON.stringify(study.userAttrs ?? {}),
          JSON.stringify(study.systemAttrs ?? {}),
          JSON.stringify(study.data ?? null),
          this.clock?.() ?? null,
          key,
        ]);
        return studyRecord(row.rows[0]);
      } catch (e) {
        if (errorCode(e) !== '23505') throw e;
        // Taken by this very call, whose first answer was lost? Then it is the study it made.
        const mine = attempt > 0 ? (await c.query<StudyRow>(this.q.studyByCreateKey, [study.name, key])).rows[0] : undefined;
        if (mine) return studyRecord(mine);
        throw new DuplicateStudyError(study.name, this.location);
      }
    });
  }

  async getStudy(name: string): Promise<StudyRecord | undefined> {
    const row = await this.one<StudyRow>('getStudy', this.q.studyByName, [name]);
    return row && studyRecord(row);
  }

  async listStudies(): Promise<StudyRecord[]> {
    return (await this.all<StudyRow>('listStudies', this.q.allStudies, [])).map(studyRecord);
  }

  async updateStudy(studyId: number, update: StudyUpdate): Promise<void> {
    checkAttrs('study user attribute', update.userAttrs);
    checkAttrs('study system attribute', update.systemAttrs);
    if (update.data !== undefined) checkJson('study data', update.data);
    await this.inStudy('updateStudy', studyId, async (c) => {
      const row = (await c.query<StudyRow>(this.q.studyById, [studyId])).rows[0];
      await c.query(this.q.updateStudyAttrs, [
        JSON.stringify({ ...JSON.parse(row.user_attrs), ...update.userAttrs }),
        JSON.stringify({ ...JSON.parse(row.system_attrs), ...update.systemAttrs }),
        update.data === undefined ? row.data : JSON.stringify(update.data),
        studyId,
      ]);
    });
  }

  async deleteStudy(name: string): Promise<void> {
    await this.transaction('deleteStudy', undefined, async (c, _first, attempt) => {
      const deleted = (await c.query<{ id: number }>(this.q.deleteStudy, [name])).rows;
      // Nothing left to delete on a retry: the first attempt deleted it (its answer was lost).
      if (deleted.length === 0 && attempt === 0) throw new StudyNotFoundError(name, this.location);
    });
  }

  async enqueueTrial(studyId: number, trial: EnqueuedTrial): Promise<FrozenTrial> {
    checkAttrs('enqueued trial parameter', trial.params);
    checkAttrs('enqueued trial user attribute', trial.userAttrs);
    checkAttrs('enqueued trial system attribute', trial.systemAttrs);
    checkKey('enqueued trial', trial.key);
    const key = trial.key ?? randomUUID();
    return this.inStudy('enqueueTrial', studyId, async (c, _now, attempt) => {
      if (trial.key !== undefined || attempt > 0) {
        const again = (await c.query<TrialRowWithValues>(this.q.trialByEnqueueKey, [studyId, key])).rows[0];
        if (again) return frozen(loaded(again), valuesOf(again));
      }
      const t = newTrial(studyId, 'waiting', null, undefined);
      t.systemAttrs.fixedParams = { ...trial.params };
      Object.assign(t.systemAttrs, trial.systemAttrs);
      Object.assign(t.userAttrs, trial.userAttrs);
      return frozen(await this.insertTrial(c, t, { enqueueKey: key }), new Map());
    });
  }

  async claimTrial(studyId: number, options: ClaimOptions = {}): Promise<FrozenTrial | undefined> {
    checkKey('claim', options.key);
    const key = options.key ?? randomUUID();
    // The common case, a fresh trial, in one round trip; anything else (an enqueued trial, a stale
    // trial, a due retry, the budget reached, no such study) takes the general path below.
    let retried = options.key !== undefined;
    let fresh: TrialRow[];
    if (options.finishing) {
      const done = await this.finishThenClaimFresh(studyId, options.finishing, options, key, () => (retried = true));
      if ('again' in done) return frozen(loaded(done.again), valuesOf(done.again));
      fresh = done.rows;
    } else {
      fresh = await this.transaction('claimTrial', undefined, async (c, _first, attempt) => {
        if (attempt > 0) retried = true;
        const results = (await c.query(this.q.claimFresh(studyId, this.claimConditions(studyId, options, key)))) as unknown as pg.QueryResult[];
        return results[1].rows as TrialRow[];
      });
    }
    if (fresh.length > 0) return frozen(loaded(fresh[0]), new Map());
    return this.inStudy('claimTrial', studyId, async (c, now, attempt, upSince) => {
      // A claim sent again (a caller's key, or an attempt whose answer was lost) finds the trial it claimed.
      if (retried || attempt > 0) {
        const again = (await c.query<TrialRowWithValues>(this.q.trialByClaimKey, [studyId, key])).rows[0];
        if (again) return frozen(loaded(again), valuesOf(again));
      }
      // The oldest enqueued trial, the budget and whether any trial is stale, in one statement.
      const cutoff = options.staleGraceMs !== undefined ? staleCutoff(now, options.staleGraceMs, upSince) : null;
      type Next = TrialRowWithValues & { busy: number; stale: number };
      let next = (await c.query<Next>(this.q.firstWaiting, [studyId, cutoff])).rows[0];
      if (next.stale > 0) {
        // Rare: fail them first (as SQLite does), then look again, since the budget changed.
        await this.failStale(c, studyId, options.staleGraceMs!, now, cutoff);
        next = (await c.query<Next>(this.q.firstWaiting, [studyId, null])).rows[0];
      }
      const { busy, stale: _, ...waitingRow } = next;
      if (options.maxCompleteOrRunning !== undefined && busy >= options.maxCompleteOrRunning) return undefined;
      const heartbeatAt = options.heartbeat === false ? null : now;
      // 1. An enqueued trial.
      if (waitingRow.id !== null) {
        const t = loaded(waitingRow);
        t.state = 'running';
        t.startedAt = now;
        t.heartbeatAt = heartbeatAt;
        await this.saveTrial(c, t, true, [], [], undefined, key);
        return frozen(t, new Map());
      }
      // 2. A retry of a trial that failed for reasons unrelated to its parameters.
      const maxRetries = options.maxRetries ?? 0;
      if (maxRetries > 0) {
        for (const row of (await c.query<TrialRowWithValues>(this.q.retryCandidates, [studyId])).rows) {
          const old = loaded(row);
          if (!isDueRetry(old, maxRetries)) continue;
          const t = newTrial(studyId, 'running', heartbeatAt, now);
          Object.assign(t.params, old.params);
          Object.assign(t.distributions, old.distributions);
          Object.assign(t.userAttrs, old.userAttrs);
          t.systemAttrs.retryOf = old.number;
          t.systemAttrs.retryCount = retryCount(old) + 1;
          if (old.systemAttrs.fixedParams !== undefined) t.systemAttrs.fixedParams = old.systemAttrs.fixedParams;
          if (old.systemAttrs.origin !== undefined) t.systemAttrs.origin = old.systemAttrs.origin;
          await this.insertTrial(c, t, { claimKey: key });
          old.systemAttrs.retriedBy = t.number;
          old.version = t.version;
          await this.saveTrial(c, old, false);
          return frozen(t, new Map());
        }
      }
      // 3. A fresh trial.
      return frozen(await this.insertTrial(c, newTrial(studyId, 'running', heartbeatAt, now), { claimKey: key }), new Map());
    });
  }

  async updateTrial(trialId: number, update: TrialUpdate): Promise<void> {
    if (isHeartbeatOnly(update)) {
      // The common case while a trial runs: one UPDATE of one row, no study lock, no version bump.
      const beat = await this.all<{ id: number }>('updateTrial', this.q.heartbeat, [this.clock?.() ?? null, trialId, update.claimKey ?? null]);
      if (beat.length > 0) return;
    }
    // Locks the study row, then the trial's (the order every writer follows), and reads both after the
    // wait, with the study's distributions of the parameters written, in one round trip; the write and
    // COMMIT go in a second, so the study stays locked for one round trip of this client, not three.
    const names = update.params?.map((p) => p.name) ?? [];
    const lookup = names.length > 0 ? `; ${inline(this.q.studyParamsOfTrial, [trialId, names])}` : '';
    await this.transaction('updateTrial', `BEGIN; ${this.q.lockTrial(trialId)}${lookup}`, async (c, _last, attempt, tx) => {
      const row = tx.opened[1].rows[0] as LockedTrial | undefined;
      if (!row) throw new TrialNotFoundError(trialId, this.location);
      checkClaim(trialId, this.location, row.claim_key, update.claimKey);
      const now = this.clock?.() ?? row.now;
      const t = loaded(row);
      // A retry after a connection lost during COMMIT may find its own finish already applied.
      if (attempt > 0 && update.finish && t.state === update.finish.state) return;
      const known = new Map<string, Distribution>();
      for (const p of (tx.opened[2]?.rows ?? []) as { name: string; distribution: string }[]) {
        known.set(p.name, JSON.parse(p.distribution) as Distribution);
      }
      const effects = applyTrialUpdate(t, update, (name) => known.get(name), now);
      await this.saveTrial(c, t, effects.visible, effects.newParams, effects.intermediate, tx);
    });
  }

  /**
   * `updateTrial(finishing)` and the fresh-trial claim in one transaction, so
   * the study row is locked through one WAL flush per trial instead of two.
   * Returns the claimed row, or none when a fresh trial is not what comes
   * next (the general claim path then runs on its own, after this commit).
   */
  private async finishThenClaimFresh(
    studyId: number,
    finishing: NonNullable<ClaimOptions['finishing']>,
    options: ClaimOptions,
    key: string,
    onRetry: () => void,
  ): Promise<{ rows: TrialRow[] } | { again: TrialRowWithValues }> {
    const { trialId, update } = finishing;
    const names = update.params?.map((p) => p.name) ?? [];
    // Sent with BEGIN, in one round trip: the trial to finish (locking the study, then it), the trial this
    // claim's key already claimed if any, and the study's distributions of the parameters written.
    const mine = `; ${inline(this.q.idByClaimKey, [studyId, key])}`;
    const lookup = names.length > 0 ? `; ${inline(this.q.studyParamsOfTrial, [trialId, names])}` : '';
    return this.transaction('claimTrial', `BEGIN; ${this.q.lockTrial(trialId)}${mine}${lookup}`, async (c, _last, attempt, tx) => {
      if (attempt > 0) onRetry();
      // The same claim again (the caller's key, or this call's first answer lost): the trial it claimed,
      // whose finishing went with it.
      if (tx.opened[2].rows.length > 0) return { again: (await c.query<TrialRowWithValues>(this.q.trialByClaimKey, [studyId, key])).rows[0] };
      const row = tx.opened[1].rows[0] as LockedTrial | undefined;
      if (!row) throw new TrialNotFoundError(trialId, this.location);
      checkClaim(trialId, this.location, row.claim_key, update.claimKey);
      const now = this.clock?.() ?? row.now;
      const t = loaded(row);
      // A retry after a connection lost during COMMIT may find its own finish applied, and then its claim
      // too: the general path finds that trial by the claim's key.
      if (attempt > 0 && update.finish && t.state === update.finish.state) return { rows: [] };
      if (t.studyId !== studyId) throw new InvalidWriteError(`trial id ${trialId} is not in study ${studyId}`);
      const known = new Map<string, Distribution>();
      for (const p of (tx.opened[3]?.rows ?? []) as { name: string; distribution: string }[]) {
        known.set(p.name, JSON.parse(p.distribution) as Distribution);
      }
      const effects = applyTrialUpdate(t, update, (name) => known.get(name), now);
      await this.saveTrial(c, t, effects.visible, effects.newParams, effects.intermediate);
      const results = (await c.query(`${this.q.claimFresh(studyId, this.claimConditions(studyId, options, key))}; COMMIT`)) as unknown as pg.QueryResult[];
      tx.committed = true;
      return { rows: results[1].rows as TrialRow[] };
    });
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    const row = await this.one<TrialRowWithValues>('getTrial', this.q.trialWithValues, [trialId]);
    if (!row) throw new TrialNotFoundError(trialId, this.location);
    return frozen(loaded(row), valuesOf(row));
  }

  async trialsSince(studyId: number, cursor: number): Promise<TrialsPage> {
    // One statement, so one snapshot: the trials, their values and the new cursor agree.
    const rows = await this.all<TrialRowWithValues & SinceColumns>('trialsSince', this.q.trialsSince, [studyId, cursor]);
    if (rows.length === 0) throw new StudyNotFoundError(studyId, this.location);
    const head = rows[0];
    // A cursor past the counter, or inside the gap a new server run jumped over, counted versions
    // a crash rolled back: the reader may hold trials that are gone, and would miss their successors.
    const lost = cursor > head.s_version || (head.s_run !== null && cursor > head.s_run_from && cursor < head.s_run_from + VERSION_GAP);
    if (cursor > 0 && lost) {
      const page = await this.trialsSince(studyId, 0);
      const study = await this.one<StudyRow>('trialsSince', this.q.studyById, [studyId]);
      if (!study) throw new StudyNotFoundError(studyId, this.location);
      return { ...page, study: studyRecord(study), reset: true };
    }
    const trials = head.id === null ? [] : rows.map((row) => frozen(loaded(row), valuesOf(row)));
    const page: TrialsPage = { trials, cursor: head.s_version };
    if (head.s_attrs_version <= cursor) return page;
    const study: StudyRow = {
      id: studyId,
      name: head.s_name!,
      direction: head.s_direction!,
      user_attrs: head.s_user_attrs!,
      system_attrs: head.s_system_attrs!,
      data: head.s_data!,
      created_at: head.s_created_at!,
      version: head.s_version,
      attrs_version: head.s_attrs_version,
    };
    return { ...page, study: studyRecord(study) };
  }

  async failStaleTrials(studyId: number, graceMs: number): Promise<number[]> {
    return this.inStudy('failStaleTrials', studyId, (c, now, _attempt, upSince) =>
      this.failStale(c, studyId, graceMs, now, staleCutoff(now, graceMs, upSince)));
  }

  async sendCommand(trialId: number, command: NewCommand): Promise<CommandRecord> {
    // Locks the study row, then the trial's, as every writer does; the trial is stamped with the next version.
    // Made before the first attempt, so that every retry carries the same key (checked with the command).
    const key = (command as NewCommand | undefined)?.key ?? randomUUID();
    return this.transaction('sendCommand', `BEGIN; ${this.q.lockTrial(trialId)}`, async (c, first, attempt) => {
      const row = first[0] as LockedTrial | undefined;
      if (!row) throw new TrialNotFoundError(trialId, this.location);
      checkNewCommand(trialId, command);
      if (command.key !== undefined || attempt > 0) {
        const again = (await c.query<CommandRow>(this.q.commandBySendKey, [key])).rows[0];
        if (again) {
          checkSameCommand({ ...again, trialId: again.trial_id }, trialId, command);
          return commandRecord(again);
        }
      }
      if (row.state !== 'running' && row.state !== 'waiting') throw new TrialFinishedError(row.number, row.state);
      const args = JSON.stringify(command.args ?? {});
      const inserted = await c.query<CommandRow>(this.q.insertCommand, [row.study_id, trialId, command.kind, args, this.clock?.() ?? row.now, key]);
      return commandRecord(inserted.rows[0]);
    });
  }

  async takeCommands(trialId: number, claimKey?: string): Promise<CommandRecord[]> {
    // One statement: concurrent takers queue on the command rows' locks and re-check
    // `state = 'pending'` after the wait, so each command is taken exactly once. The take's key
    // marks what it took, so a retry whose first answer was lost takes the same commands again.
    const key = randomUUID();
    const rows = await this.all<CommandRow & { trial: number; trial_claim_key: string | null }>('takeCommands', this.q.takeCommands, [
      trialId,
      key,
      claimKey ?? null,
    ]);
    if (rows.length === 0) throw new TrialNotFoundError(trialId, this.location);
    checkClaim(trialId, this.location, rows[0].trial_claim_key, claimKey);
    return rows.filter((r) => r.id !== null).map(commandRecord);
  }

  async settleCommand(commandId: number, outcome: CommandOutcome, claimKey?: string): Promise<CommandRecord> {
    return this.transaction('settleCommand', `BEGIN; ${this.q.lockCommand(commandId)}`, async (c, first, attempt) => {
      const row = first[0] as (CommandRow & { study_id: number; now: number; claim_key: string | null }) | undefined;
      if (!row) throw new RecordNotFoundError('command', commandId, this.location);
      checkClaim(row.trial_id, this.location, row.claim_key, claimKey);
      checkCommandOutcome(commandId, outcome);
      if (row.state === 'applied' || row.state === 'refused') {
        // A retry after a connection lost during COMMIT finds its own outcome already there.
        if (attempt > 0 && row.state === outcome.state) return commandRecord(row);
        throw new InvalidWriteError(`command ${commandId} was already ${row.state}; a settled command cannot change`);
      }
      const settled = await c.query<CommandRow>(this.q.settleCommand, [
        row.study_id,
        row.trial_id,
        outcome.state,
        this.clock?.() ?? row.now,
        outcome.step ?? null,
        outcome.message ?? null,
        commandId,
      ]);
      return commandRecord(settled.rows[0]);
    });
  }

  async listCommands(trialId: number): Promise<CommandRecord[]> {
    const rows = await this.all<CommandRow & { trial: number }>('listCommands', this.q.commandsOfTrial, [trialId]);
    if (rows.length === 0) throw new TrialNotFoundError(trialId, this.location);
    return rows.filter((r) => r.id !== null).map(commandRecord);
  }

  async saveCheckpoint(trialId: number, cp: NewCheckpoint, options: SaveCheckpointOptions = {}): Promise<CheckpointInfo> {
    // The trial's row lock serializes two savers of one trial, so pruning sees every auto checkpoint.
    const key = (cp as NewCheckpoint | undefined)?.key ?? randomUUID();
    return this.transaction('saveCheckpoint', `BEGIN; ${this.q.lockTrialOnly(trialId)}`, async (c, first, attempt) => {
      const trial = first[0] as { now: number; claim_key: string | null } | undefined;
      if (!trial) throw new TrialNotFoundError(trialId, this.location);
      checkClaim(trialId, this.location, trial.claim_key, options.claimKey);
      checkNewCheckpoint(trialId, cp, options);
      if (cp.key !== undefined || attempt > 0) {
        const again = (await c.query<CheckpointRow>(this.q.checkpointBySaveKey, [key])).rows[0];
        if (again) {
          checkSameCheckpoint({ id: again.id, trialId: again.trial_id }, trialId, key);
          return checkpointInfo(again);
        }
      }
      const data = Buffer.from(cp.data.buffer, cp.data.byteOffset, cp.data.byteLength);
      const meta = JSON.stringify(cp.meta ?? {});
      const row = (await c.query<CheckpointRow>(this.q.insertCheckpoint, [trialId, cp.step, cp.kind, meta, this.clock?.() ?? trial.now, data, key])).rows[0];
      if (cp.kind === 'auto' && options.keepAuto !== undefined) await c.query(this.q.pruneAuto, [trialId, options.keepAuto]);
      return checkpointInfo(row);
    });
  }

  async listCheckpoints(trialId: number): Promise<CheckpointInfo[]> {
    const rows = await this.all<CheckpointRow>('listCheckpoints', this.q.checkpointsOfTrial, [trialId]);
    if (rows.length === 0) throw new TrialNotFoundError(trialId, this.location);
    return rows.filter((r) => r.id !== null).map(checkpointInfo);
  }

  async loadCheckpoint(checkpointId: number): Promise<Checkpoint> {
    const row = await this.one<CheckpointRow & { data: Uint8Array }>('loadCheckpoint', this.q.checkpointWithData, [checkpointId]);
    if (!row) throw new RecordNotFoundError('checkpoint', checkpointId, this.location);
    return checkpoint(row);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // -- inside transactions --------------------------------------------------

  /**
   * SQL conditions under which a claim is simply a fresh trial: no enqueued
   * trial, no stale one to fail first, no retry candidate (when retries are
   * on), and room in the budget. Numbers are written in: the fast claim is
   * one simple query, which takes no parameters.
   */
  private claimConditions(studyId: number, options: ClaimOptions, key: string): FreshClaim {
    const S = quoteIdent(this.schema);
    const id = sqlId(studyId);
    const trials = `SELECT 1 FROM ${S}.trials WHERE study_id = ${id}`;
    // Not when this claim's key already claimed a trial (a retry): the general path returns that one.
    const conditions = [`NOT EXISTS (${trials} AND state = 'waiting')`, `NOT EXISTS (${trials} AND claim_key = ${pg.escapeLiteral(key)})`];
    if (options.staleGraceMs !== undefined) {
      const cutoff = `(SELECT ms FROM now) - ${sqlNumber(options.staleGraceMs)}`;
      // No stale trial, or none yet: the server has not been up for the grace period (see staleCutoff).
      const up = this.clock ? 'true' : `${SERVER_UP_SINCE} <= ${cutoff}`;
      conditions.push(`NOT (${up} AND EXISTS (${trials} AND state = 'running' AND heartbeat_at IS NOT NULL AND heartbeat_at < ${cutoff}))`);
    }
    if ((options.maxRetries ?? 0) > 0) {
      conditions.push(`NOT EXISTS (${trials} AND state = 'failed' AND system_attrs::jsonb -> 'retryable' = 'true'::jsonb AND NOT (system_attrs::jsonb ? 'retriedBy'))`);
    }
    if (options.maxCompleteOrRunning !== undefined) {
      conditions.push(`(SELECT count(*) FROM ${S}.trials WHERE study_id = ${id} AND state IN ('complete', 'running')) < ${sqlNumber(options.maxCompleteOrRunning)}`);
    }
    const now = this.clock ? sqlNumber(this.clock()) : SERVER_NOW;
    return { now, heartbeat: options.heartbeat === false ? 'NULL' : 'now.ms', where: conditions.join(' AND '), key: pg.escapeLiteral(key) };
  }


  /** Fails the study's running trials whose heartbeat is older than `cutoff` (none when it is null; see `staleCutoff`). */
  private async failStale(c: pg.PoolClient, studyId: number, graceMs: number, now: number, cutoff: number | null): Promise<number[]> {
    if (cutoff === null) return [];
    const rows = (await c.query<TrialRowWithValues>(this.q.staleTrials, [studyId, cutoff])).rows;
    let version: number | undefined;
    const failed: number[] = [];
    for (const row of rows) {
      const t = loaded(row);
      finish(t, staleOutcome(now - (row.heartbeat_at ?? now), graceMs), now);
      // One version for the whole batch, as SQLite does: the first save bumps, the rest reuse it.
      if (version === undefined) version = await this.saveTrial(c, t, true);
      else {
        t.version = version;
        await this.saveTrial(c, t, false);
      }
      failed.push(t.number);
    }
    return failed;
  }

  /** Inserts `t` (numbered next in its study, stamped with the next version) with its keys; the study must be locked. */
  private async insertTrial(c: pg.PoolClient, t: Loaded, keys: { claimKey?: string; enqueueKey?: string }): Promise<Loaded> {
    const row = (
      await c.query<{ id: number; number: number; version: number }>(this.q.insertTrial, [
        t.studyId,
        t.state,
        JSON.stringify(t.params),
        JSON.stringify(t.distributions),
        JSON.stringify(t.userAttrs),
        JSON.stringify(t.systemAttrs),
        t.startedAt ?? null,
        t.heartbeatAt,
        keys.claimKey ?? null,
        keys.enqueueKey ?? null,
      ])
    ).rows[0];
    t.id = row.id;
    t.number = row.number;
    t.version = row.version;
    return t;
  }

  /**
   * Writes `t` back, with the study params and intermediate values it brings,
   * in one statement; with `bump`, stamps it with the study's next version.
   * Returns its version.
   */
  private async saveTrial(
    c: pg.PoolClient,
    t: Loaded,
    bump: boolean,
    newParams: readonly ParamWrite[] = [],
    intermediate: readonly (readonly [number, number])[] = [],
    /** Given: the statement goes with COMMIT in one round trip (its values written in), ending `tx`. */
    tx?: Tx,
    /** Given: the trial's claim key is set to it (a waiting trial being claimed). */
    claimKey?: string,
  ): Promise<number> {
    const values = [
        t.state,
        t.value ?? null,
        JSON.stringify(t.params),
        JSON.stringify(t.distributions),
        JSON.stringify(t.userAttrs),
        JSON.stringify(t.systemAttrs),
        t.startedAt ?? null,
        t.completedAt ?? null,
        t.heartbeatAt,
        t.version,
        t.id,
        t.studyId,
        bump,
        newParams.map((p) => p.name),
        newParams.map((p) => JSON.stringify(p.distribution)),
        intermediate.map(([step]) => step),
        intermediate.map(([, value]) => value),
        claimKey ?? null,
    ];
    let row: { version: number };
    if (tx) {
      const results = (await c.query(`${inline(this.q.saveTrial, values)}; COMMIT`)) as unknown as pg.QueryResult[];
      tx.committed = true;
      row = results[0].rows[0] as { version: number };
    } else {
      row = (await c.query<{ version: number }>(this.q.saveTrial, values)).rows[0];
    }
    t.version = row.version;
    return row.version;
  }

  // -- transactions with retries --------------------------------------------

  /**
   * A write transaction that first locks the study row until commit (its first
   * statement sent with BEGIN, saving a round trip); `fn` gets the time now
   * (ms) and since when the server's run is up (undefined with a test clock).
   * `StudyNotFoundError` when there is no such study.
   */
  private inStudy<T>(
    method: string,
    studyId: number,
    fn: (c: pg.PoolClient, now: number, attempt: number, upSince: number | undefined) => Promise<T>,
  ): Promise<T> {
    return this.transaction(method, `BEGIN; ${this.q.lockStudy(studyId)}`, (c, first, attempt) => {
      if (first.length === 0) throw new StudyNotFoundError(studyId, this.location);
      const row = first[0] as { now: number; up_since: number };
      return this.clock ? fn(c, this.clock(), attempt, undefined) : fn(c, row.now, attempt, row.up_since);
    });
  }

  private async one<R extends pg.QueryResultRow>(method: string, text: string, values: unknown[]): Promise<R | undefined> {
    return (await this.all<R>(method, text, values))[0];
  }

  /** One statement on its own (its own snapshot and transaction), retried like a transaction. */
  private all<R extends pg.QueryResultRow>(method: string, text: string, values: unknown[]): Promise<R[]> {
    return this.transaction(method, undefined, async (c) => (await c.query<R>(text, values)).rows);
  }

  /**
   * Runs `fn` in a transaction until it commits or fails with anything but a
   * transient error: serialization failures, deadlocks and lost connections
   * are retried with jittered exponential backoff, for `reconnectForMs` in all.
   * `begin` (BEGIN, possibly followed by a statement without parameters, in
   * one round trip) opens the transaction, and `fn` gets the rows of its last
   * statement (and `tx.opened`, every statement's result); without `begin`,
   * `fn` runs one statement on its own. `fn` may send COMMIT itself, with its
   * last statement, and say so in `tx.committed`. `method` names the caller,
   * for the tests' fault hook (`loseAnswerAfterCommit`).
   */
  private async transaction<T>(
    method: string,
    begin: string | undefined,
    fn: (c: pg.PoolClient, first: pg.QueryResultRow[], attempt: number, tx: Tx) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw new StorageError(`${this.location} is closed`);
    const start = Date.now();
    let delay = 5;
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient | undefined;
      try {
        client = await this.pool.connect();
        const tx: Tx = { opened: [], committed: false };
        if (begin) {
          const opened = (await client.query(begin)) as pg.QueryResult | pg.QueryResult[];
          tx.opened = Array.isArray(opened) ? opened : [opened];
        }
        const result = await fn(client, tx.opened.at(-1)?.rows ?? [], attempt, tx);
        if (begin && !tx.committed) await client.query('COMMIT');
        if (this.loseAnswer?.(method)) {
          // Tests: the commit happened, but the caller is told the connection dropped before its answer.
          throw Object.assign(new Error('Connection terminated unexpectedly (test fault after COMMIT)'), { code: 'ECONNRESET' });
        }
        client.release();
        return result;
      } catch (e) {
        if (client) await abandon(client, begin !== undefined, e);
        if (!isTransient(e)) throw asStorageError(e, this.location);
        const elapsed = Date.now() - start;
        if (elapsed > this.reconnectForMs || this.closed) {
          throw new StorageError(
            `${this.location}: gave up after ${Math.round(elapsed / 1000)} s of ${describeTransient(e)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
        // Conflicts clear in milliseconds; a restarting server takes seconds.
        delay = Math.min(delay * 2, isConflict(e) ? 100 : 1000);
      }
    }
  }
}

/** Ends a failed transaction: rolls back a live connection, discards a broken one. */
async function abandon(client: pg.PoolClient, inTransaction: boolean, error: unknown): Promise<void> {
  if (isConnectionError(error)) return client.release(true);
  if (!inTransaction) return client.release();
  try {
    await client.query('ROLLBACK');
    client.release();
  } catch {
    client.release(true);
  }
}

function statements(S: string) {
  return {
    studyById: `SELECT ${STUDY_COLUMNS} FROM ${S}.studies WHERE id = $1`,
    studyByName: `SELECT ${STUDY_COLUMNS} FROM ${S}.studies WHERE name = $1`,
    allStudies: `SELECT ${STUDY_COLUMNS} FROM ${S}.studies ORDER BY id`,
    insertStudy: `INSERT INTO ${S}.studies (name, direction, user_attrs, system_attrs, data, created_at, create_key)
      VALUES ($1, $2, $3, $4, $5, coalesce($6::bigint, ${SERVER_NOW}), $7) RETURNING ${STUDY_COLUMNS}`,
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
        claim_key = coalesce($18, claim_key)
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
        ${['name', 'direction', 'user_attrs', 'system_attrs', 'data', 'created_at'].map((c) =>
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
function staleCutoff(now: number, graceMs: number, upSince: number | undefined): number | null {
  const cutoff = now - graceMs;
  return upSince !== undefined && upSince > cutoff ? null : cutoff;
}

/** The trial columns (or other `a, b` columns), qualified by `alias`. */
function columns(alias: string, list = TRIAL_COLUMNS): string {
  return list.split(', ').map((c) => `${alias}.${c}`).join(', ');
}

/** A transaction in progress: the results of the statements that opened it, and whether `fn` committed it. */
interface Tx {
  opened: pg.QueryResult[];
  committed: boolean;
}

/**
 * `text` with its `$n` placeholders replaced by `values` written as SQL
 * literals, for statements sent together in one simple query (which takes no
 * parameters). Strings are quoted by pg's escapeLiteral; numbers keep every
 * digit JavaScript prints (PostgreSQL reads them back exactly); NaN and the
 * infinities become float8 literals.
 */
function inline(text: string, values: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, i: string) => sqlLiteral(values[Number(i) - 1]));
}

function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : `'${String(v)}'::float8`;
  if (typeof v === 'string') return pg.escapeLiteral(v);
  if (Array.isArray(v)) return `ARRAY[${v.map(sqlLiteral).join(', ')}]`;
  throw new TypeError(`cannot write ${typeof v} into SQL`);
}

/** A number written into SQL (finite only: the options that give these are checked numbers). */
function sqlNumber(n: number): string {
  if (!Number.isFinite(n)) throw new StorageError(`expected a finite number, got ${n}`);
  return String(n);
}

/** An id written into SQL; anything but a safe integer matches no row. */
function sqlId(id: number): string {
  return Number.isSafeInteger(id) ? String(id) : '-1';
}

/** The intermediate values of trial `t`, as two arrays in step order (float8: exact for any step below 2^53). */
function valuesOfTrial(S: string): string {
  return `SELECT array_agg(step::double precision ORDER BY step) AS steps, array_agg(value ORDER BY step) AS step_values
    FROM ${S}.trial_values WHERE trial_id = t.id`;
}

/**
 * Splits a storage URL into what `pg` needs and what messages show.
 * `?schema=NAME` picks the PostgreSQL schema (the `schema` option wins).
 */
function parseTarget(url: string, schemaOption: string | undefined, durabilityOption: Durability | undefined): Target {
  const hint = 'write postgres://user[:password]@host[:port]/database';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StorageError(`storage "${redact(url)}" is not a valid URL; ${hint}`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StorageError(`storage "${redact(url)}" is not a PostgreSQL URL; ${hint}`);
  }
  if (parsed.hostname === '') throw new StorageError(`storage "${redact(url)}" names no host; ${hint}`);
  const schema = schemaOption ?? parsed.searchParams.get('schema') ?? 'public';
  if (schema.length === 0 || Buffer.byteLength(schema) > 63) {
    throw new StorageError(`storage "${redact(url)}": schema name must be 1 to 63 bytes, got "${schema}"`);
  }
  parsed.searchParams.delete('schema');
  const durability = durabilityOption ?? parsed.searchParams.get('durability') ?? 'full';
  if (durability !== 'full' && durability !== 'fast') {
    throw new StorageError(`storage "${redact(url)}": durability must be full or fast, got "${durability}"`);
  }
  parsed.searchParams.delete('durability');
  const user = decodeURIComponent(parsed.username) || process.env.PGUSER || process.env.USER || 'postgres';
  const database = decodeURIComponent(parsed.pathname.slice(1)) || user;
  const address = `${parsed.hostname}:${parsed.port || '5432'}`;
  const shown = `postgres://${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.pathname}`;
  return {
    connectionString: parsed.toString(),
    schema,
    location: schema === 'public' ? shown : `${shown}?schema=${schema}`,
    address,
    user,
    database,
    durability,
  };
}

/** A one-line error for a connection that could not be made. */
function connectError(e: unknown, target: Target): StorageError {
  const where = `cannot connect to PostgreSQL at ${target.address}`;
  const code = errorCode(e);
  const message = (e as Error)?.message ?? String(e);
  if (code === 'ECONNREFUSED') return new StorageError(`${where}: connection refused (is the server running?)`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new StorageError(`${where}: no such host`);
  if (code === 'ETIMEDOUT' || /timeout/i.test(message)) return new StorageError(`${where}: connection timed out`);
  if (code === '28P01' || code === '28000') {
    return new StorageError(`${where}: authentication failed for user "${target.user}" (${message})`);
  }
  if (code === '3D000') return new StorageError(`${where}: database "${target.database}" does not exist`);
  if (/password must be a string|SASL/.test(message)) {
    return new StorageError(`${where}: authentication failed for user "${target.user}" (the server wants a password)`);
  }
  return new StorageError(`${where}: ${message.split('\n')[0]}`);
}

/** The error's code, looking inside the AggregateError Node raises when every address of a host refuses. */
function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  const inner = (e as { errors?: unknown[] })?.errors;
  return Array.isArray(inner) ? errorCode(inner[0]) : undefined;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

function isConnectionError(e: unknown): boolean {
  const code = errorCode(e);
  if (code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('08') || code.startsWith('57P'))) return true;
  if (code === '53300') return true; // too many connections: wait for one to free up
  const message = (e as Error)?.message ?? '';
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|the database system is/i.test(
    message,
  );
}

/** 40001 serialization failure, 40P01 deadlock, 55P03 lock not available. */
function isConflict(e: unknown): boolean {
  const code = errorCode(e);
  return code === '40001' || code === '40P01' || code === '55P03';
}

function isTransient(e: unknown): boolean {
  return !(e instanceof StorageError) && (isConflict(e) || isConnectionError(e));
}

function describeTransient(e: unknown): string {
  return isConflict(e) ? 'transaction conflicts' : `lost connection (${((e as Error)?.message ?? String(e)).split('\n')[0]})`;
}

/** Storage errors pass through; anything the server or driver raised becomes a one-line StorageError. */
function asStorageError(e: unknown, location: string): unknown {
  if (e instanceof StorageError || e instanceof TypeError || !(e instanceof Error)) return e;
  if (!(e instanceof pg.DatabaseError) && errorCode(e) === undefined) return e;
  return new StorageError(`${location}: ${e.message.split('\n')[0]}`, { cause: e });
}


function newTrial(studyId: number, state: 'waiting' | 'running', heartbeatAt: number | null, now: number | undefined): Loaded {
  return {
    id: 0,
    studyId,
    number: 0,
    state,
    value: undefined,
    params: {},
    distributions: {},
    userAttrs: {},
    systemAttrs: {},
    startedAt: state === 'running' ? now : undefined,
    completedAt: undefined,
    heartbeatAt: state === 'running' ? heartbeatAt : null,
    version: 0,
  };
}



function valuesOf(row: TrialRowWithValues): Map<number, number> {
  const values = new Map<number, number>();
  const steps = row.steps ?? [];
  const stepValues = row.step_values ?? [];
  for (let i = 0; i < steps.length; i++) values.set(steps[i], stepValues[i] ?? NaN);
  return values;
}

