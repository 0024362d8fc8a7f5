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
 *
 * This file is the storage's logic, method by method; its SQL is
 * postgres-sql.ts, its connection, pool and retried transactions
 * postgres-connection.ts, its tables and migrations postgres-schema.ts.
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
import { connectError, createPool, errorCode, parseTarget, Transactions, type Durability, type Target, type Tx } from './postgres-connection.js';
import {
  inline,
  SERVER_NOW,
  SERVER_UP_SINCE,
  sqlId,
  sqlNumber,
  staleCutoff,
  statements,
  valuesOf,
  VERSION_GAP,
  type FreshClaim,
  type LockedTrial,
  type SinceColumns,
  type TrialRowWithValues,
} from './postgres-sql.js';

export { VERSION_GAP } from './postgres-sql.js';
export type { Durability } from './postgres-connection.js';
import {
  checkpoint,
  checkpointInfo,
  commandRecord,
  frozen,
  isHeartbeatOnly,
  directionsColumn,
  loaded,
  resultColumns,
  studyRecord,
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
  private readonly q: ReturnType<typeof statements>;
  /** The pool and its retried transactions (postgres-connection.ts). */
  private readonly db: Transactions;

  private constructor(
    pool: pg.Pool,
    /** The URL it was opened with (password included), for `reopen`-style uses. */
    readonly url: string,
    target: Target,
    options: PostgresStorageOptions,
  ) {
    this.location = target.location;
    this.schema = target.schema;
    this.durability = target.durability;
    this.clock = options.clock;
    this.db = new Transactions(pool, target.location, options.reconnectForMs ?? 120_000, options.loseAnswerAfterCommit);
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
    const pool = createPool(target, options);
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
    return this.db.transaction('createStudy', undefined, async (c, _first, attempt) => {
      try {
        const row = await c.query<StudyRow>(this.q.insertStudy, [
          study.name,
          study.direction,
          JSON.stringify(study.userAttrs ?? {}),
          JSON.stringify(study.systemAttrs ?? {}),
          JSON.stringify(study.data ?? null),
          this.clock?.() ?? null,
          key,
          directionsColumn(study),
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
    const row = await this.db.one<StudyRow>('getStudy', this.q.studyByName, [name]);
    return row && studyRecord(row);
  }

  async listStudies(): Promise<StudyRecord[]> {
    return (await this.db.all<StudyRow>('listStudies', this.q.allStudies, [])).map(studyRecord);
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
    await this.db.transaction('deleteStudy', undefined, async (c, _first, attempt) => {
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
      fresh = await this.db.transaction('claimTrial', undefined, async (c, _first, attempt) => {
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
      const beat = await this.db.all<{ id: number }>('updateTrial', this.q.heartbeat, [this.clock?.() ?? null, trialId, update.claimKey ?? null]);
      if (beat.length > 0) return;
    }
    // Locks the study row, then the trial's (the order every writer follows), and reads both after the
    // wait, with the study's distributions of the parameters written, in one round trip; the write and
    // COMMIT go in a second, so the study stays locked for one round trip of this client, not three.
    const names = update.params?.map((p) => p.name) ?? [];
    const lookup = names.length > 0 ? `; ${inline(this.q.studyParamsOfTrial, [trialId, names])}` : '';
    await this.db.transaction('updateTrial', `BEGIN; ${this.q.lockTrial(trialId)}${lookup}`, async (c, _last, attempt, tx) => {
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
    return this.db.transaction('claimTrial', `BEGIN; ${this.q.lockTrial(trialId)}${mine}${lookup}`, async (c, _last, attempt, tx) => {
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
    const row = await this.db.one<TrialRowWithValues>('getTrial', this.q.trialWithValues, [trialId]);
    if (!row) throw new TrialNotFoundError(trialId, this.location);
    return frozen(loaded(row), valuesOf(row));
  }

  async trialsSince(studyId: number, cursor: number): Promise<TrialsPage> {
    // One statement, so one snapshot: the trials, their values and the new cursor agree.
    const rows = await this.db.all<TrialRowWithValues & SinceColumns>('trialsSince', this.q.trialsSince, [studyId, cursor]);
    if (rows.length === 0) throw new StudyNotFoundError(studyId, this.location);
    const head = rows[0];
    // A cursor past the counter, or inside the gap a new server run jumped over, counted versions
    // a crash rolled back: the reader may hold trials that are gone, and would miss their successors.
    const lost = cursor > head.s_version || (head.s_run !== null && cursor > head.s_run_from && cursor < head.s_run_from + VERSION_GAP);
    if (cursor > 0 && lost) {
      const page = await this.trialsSince(studyId, 0);
      const study = await this.db.one<StudyRow>('trialsSince', this.q.studyById, [studyId]);
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
      directions: head.s_directions,
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
    return this.db.transaction('sendCommand', `BEGIN; ${this.q.lockTrial(trialId)}`, async (c, first, attempt) => {
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
    const rows = await this.db.all<CommandRow & { trial: number; trial_claim_key: string | null }>('takeCommands', this.q.takeCommands, [
      trialId,
      key,
      claimKey ?? null,
    ]);
    if (rows.length === 0) throw new TrialNotFoundError(trialId, this.location);
    checkClaim(trialId, this.location, rows[0].trial_claim_key, claimKey);
    return rows.filter((r) => r.id !== null).map(commandRecord);
  }

  async settleCommand(commandId: number, outcome: CommandOutcome, claimKey?: string): Promise<CommandRecord> {
    return this.db.transaction('settleCommand', `BEGIN; ${this.q.lockCommand(commandId)}`, async (c, first, attempt) => {
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
    const rows = await this.db.all<CommandRow & { trial: number }>('listCommands', this.q.commandsOfTrial, [trialId]);
    if (rows.length === 0) throw new TrialNotFoundError(trialId, this.location);
    return rows.filter((r) => r.id !== null).map(commandRecord);
  }

  async saveCheckpoint(trialId: number, cp: NewCheckpoint, options: SaveCheckpointOptions = {}): Promise<CheckpointInfo> {
    // The trial's row lock serializes two savers of one trial, so pruning sees every auto checkpoint.
    const key = (cp as NewCheckpoint | undefined)?.key ?? randomUUID();
    return this.db.transaction('saveCheckpoint', `BEGIN; ${this.q.lockTrialOnly(trialId)}`, async (c, first, attempt) => {
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
    const rows = await this.db.all<CheckpointRow>('listCheckpoints', this.q.checkpointsOfTrial, [trialId]);
    if (rows.length === 0) throw new TrialNotFoundError(trialId, this.location);
    return rows.filter((r) => r.id !== null).map(checkpointInfo);
  }

  async loadCheckpoint(checkpointId: number): Promise<Checkpoint> {
    const row = await this.db.one<CheckpointRow & { data: Uint8Array }>('loadCheckpoint', this.q.checkpointWithData, [checkpointId]);
    if (!row) throw new RecordNotFoundError('checkpoint', checkpointId, this.location);
    return checkpoint(row);
  }

  async close(): Promise<void> {
    await this.db.close();
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
        ...resultColumns(t),
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
    return this.db.transaction(method, `BEGIN; ${this.q.lockStudy(studyId)}`, (c, first, attempt) => {
      if (first.length === 0) throw new StudyNotFoundError(studyId, this.location);
      const row = first[0] as { now: number; up_since: number };
      return this.clock ? fn(c, this.clock(), attempt, undefined) : fn(c, row.now, attempt, row.up_since);
    });
  }

}

function newTrial(studyId: number, state: 'waiting' | 'running', heartbeatAt: number | null, now: number | undefined): Loaded {
  return {
    id: 0,
    studyId,
    number: 0,
    state,
    value: undefined,
    values: undefined,
    intermediateVectors: undefined,
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
