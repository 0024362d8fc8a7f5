/**
 * SQLite storage: one study file on disk, shared by any number of processes
 * on one machine (better-sqlite3 v12).
 *
 * - WAL journal, so readers never wait for the writer, and `synchronous =
 *   NORMAL`: a commit survives the death of the process (SIGKILL included);
 *   pass `durability: 'full'` to also survive power loss, at an fsync per commit.
 * - Every write is one short `BEGIN IMMEDIATE` transaction, so two processes
 *   never deadlock upgrading read locks. A writer that finds the file locked
 *   waits (`busy_timeout`), then backs off and retries without blocking the
 *   event loop; "database is locked" never reaches the caller.
 * - Statements are prepared once; `trialsSince` reads only trials whose
 *   version is past the cursor (an index on `(study_id, version)`).
 * - Commands and checkpoints live in `trial_commands` and `trial_checkpoints`
 *   (schema version 2). `takeCommands` first asks, in a read, whether
 *   anything is pending, so a training that polls every step does not take
 *   the write lock for nothing; the taking itself is one write transaction.
 * - Writers' keys (schema version 3): claims, enqueued trials, commands and
 *   checkpoints remember the key they were written with, so the same write
 *   sent again returns the first one, and a trial's claim key guards its
 *   runner's writes (see storage.ts).
 * - **A damaged file is refused untouched.** Before anything writes, the file
 *   is checked for truncation (its size against its header's page count),
 *   opened read-only and read through (`quick_check`); a file SQLite cannot
 *   read, at open or later, is a `StudyFileError` naming the file.
 *
 * This file is the storage's logic: each method of `Storage` as one
 * transaction over the statements of sqlite-sql.ts. Opening the file, its
 * checks and the retries while locked are sqlite-connection.ts; the tables
 * and their migrations, sqlite-schema.ts.
 */
import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Distribution, FrozenTrial } from '../types.js';
import {
  DuplicateStudyError,
  InvalidWriteError,
  RecordNotFoundError,
  StudyNotFoundError,
  TrialFinishedError,
  TrialNotFoundError,
} from './errors.js';
import {
  applyTrialUpdate,
  checkAttrs,
  checkClaim,
  checkKey,
  checkSameCheckpoint,
  checkSameCommand,
  checkCommandOutcome,
  checkJson,
  checkNewCheckpoint,
  checkNewCommand,
  checkStudyInput,
  finish,
  isDueRetry,
  retryCount,
  staleOutcome,
} from './rules.js';
import { openStudyFile, retryWhileLocked, type StudyFileOptions } from './sqlite-connection.js';
import { prepare, type Statements, type ValueRow } from './sqlite-sql.js';
import {
  checkpoint,
  checkpointInfo,
  commandRecord,
  frozen,
  isHeartbeatOnly,
  loaded,
  studyRecord,
  type CheckpointRow,
  type CommandRow,
  type Loaded,
  type StudyRow,
  type TrialRow,
  directionsColumn,
  resultColumns,
} from './sql-rows.js';
import type {
  Checkpoint,
  CheckpointInfo,
  ClaimOptions,
  CommandOutcome,
  CommandRecord,
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

/** Options of the SQLite storage: how its file is opened (sqlite-connection.ts), and its clock. */
export interface SqliteStorageOptions extends StudyFileOptions {
  /** The clock for heartbeats and timestamps (ms); tests pass a fake one. */
  readonly clock?: () => number;
}

/**
 * Studies in an SQLite file. Open with `SqliteStorage.open`, which creates the
 * file and its schema when needed.
 *
 * @example
 *   const storage = await SqliteStorage.open('/tmp/study.db');
 *   const study = (await storage.getStudy('mlp')) ?? (await storage.createStudy({ name: 'mlp', direction: 'minimize' }));
 *   await storage.close();
 */
export class SqliteStorage implements Storage {
  readonly location: string;
  private readonly clock: () => number;
  private readonly lockedForMs: number;
  private readonly tx: BetterSqlite3.Transaction<(fn: () => unknown) => unknown>;
  private readonly s: Statements;

  private constructor(
    private readonly db: BetterSqlite3.Database,
    readonly path: string,
    options: SqliteStorageOptions,
  ) {
    this.location = `sqlite:${path}`;
    this.clock = options.clock ?? Date.now;
    this.lockedForMs = options.lockedForMs ?? 120_000;
    this.tx = db.transaction((fn: () => unknown) => fn());
    this.s = prepare(db);
  }

  /**
   * Opens (creating if needed) the study file at `path` and brings its schema
   * up to date. Throws `SchemaVersionError` for a file from a newer caviar.
   *
   * @example
   *   const storage = await SqliteStorage.open('runs/study.db', { durability: 'full' });
   */
  static async open(path: string, options: SqliteStorageOptions = {}): Promise<SqliteStorage> {
    return openStudyFile(path, options, (db) => new SqliteStorage(db, path, options));
  }

  async createStudy(study: NewStudy): Promise<StudyRecord> {
    checkStudyInput(study);
    return this.write(() => {
      if (this.s.studyByName.get(study.name)) throw new DuplicateStudyError(study.name, this.location);
      const row = this.s.insertStudy.get(
        study.name,
        study.direction,
        directionsColumn(study),
        JSON.stringify(study.userAttrs ?? {}),
        JSON.stringify(study.systemAttrs ?? {}),
        JSON.stringify(study.data ?? null),
        this.clock(),
      ) as StudyRow;
      return studyRecord(row);
    });
  }

  async getStudy(name: string): Promise<StudyRecord | undefined> {
    const row = await this.read(() => this.s.studyByName.get(name) as StudyRow | undefined);
    return row && studyRecord(row);
  }

  async listStudies(): Promise<StudyRecord[]> {
    const rows = await this.read(() => this.s.allStudies.all() as StudyRow[]);
    return rows.map(studyRecord);
  }

  async updateStudy(studyId: number, update: StudyUpdate): Promise<void> {
    checkAttrs('study user attribute', update.userAttrs);
    checkAttrs('study system attribute', update.systemAttrs);
    if (update.data !== undefined) checkJson('study data', update.data);
    await this.write(() => {
      const row = this.studyRow(studyId);
      const version = this.bump(studyId);
      this.s.updateStudyAttrs.run(
        JSON.stringify({ ...JSON.parse(row.user_attrs), ...update.userAttrs }),
        JSON.stringify({ ...JSON.parse(row.system_attrs), ...update.systemAttrs }),
        update.data === undefined ? row.data : JSON.stringify(update.data),
        version,
        studyId,
      );
    });
  }

  async deleteStudy(name: string): Promise<void> {
    await this.write(() => {
      if (this.s.deleteStudy.run(name).changes === 0) throw new StudyNotFoundError(name, this.location);
    });
  }

  async enqueueTrial(studyId: number, trial: EnqueuedTrial): Promise<FrozenTrial> {
    checkAttrs('enqueued trial parameter', trial.params);
    checkAttrs('enqueued trial user attribute', trial.userAttrs);
    checkAttrs('enqueued trial system attribute', trial.systemAttrs);
    checkKey('enqueued trial', trial.key);
    return this.write(() => {
      this.studyRow(studyId);
      const again = trial.key === undefined ? undefined : (this.s.trialByEnqueueKey.get(studyId, trial.key) as TrialRow | undefined);
      if (again) return frozen(loaded(again), this.values(again.id));
      const t = this.insertTrial(studyId, 'waiting', null);
      if (trial.key !== undefined) this.s.setEnqueueKey.run(trial.key, t.id);
      t.systemAttrs.fixedParams = { ...trial.params };
      Object.assign(t.systemAttrs, trial.systemAttrs);
      Object.assign(t.userAttrs, trial.userAttrs);
      this.saveTrial(t);
      return frozen(t, new Map());
    });
  }

  async claimTrial(studyId: number, options: ClaimOptions = {}): Promise<FrozenTrial | undefined> {
    checkKey('claim', options.key);
    return this.write(() => {
      this.studyRow(studyId);
      // The same claim again (its caller did not hear the answer): the trial it claimed; its finishing went with it.
      const again = options.key === undefined ? undefined : (this.s.trialByClaimKey.get(studyId, options.key) as TrialRow | undefined);
      if (again) return frozen(loaded(again), this.values(again.id));
      if (options.finishing) this.applyUpdate(options.finishing.trialId, options.finishing.update);
      const claimed = this.claimNext(studyId, options);
      if (claimed && options.key !== undefined) this.s.setClaimKey.run(options.key, claimed.id);
      return claimed;
    });
  }

  /** The body of `claimTrial` once the finishing write is done, inside its transaction. */
  private claimNext(studyId: number, options: ClaimOptions): FrozenTrial | undefined {
    const now = this.clock();
    if (options.staleGraceMs !== undefined) this.failStale(studyId, options.staleGraceMs, now);
    if (options.maxCompleteOrRunning !== undefined) {
      const { n } = this.s.countBusy.get(studyId) as { n: number };
      if (n >= options.maxCompleteOrRunning) return undefined;
    }
    const heartbeatAt = options.heartbeat === false ? null : now;
    // 1. An enqueued trial.
    const waitingRow = this.s.firstWaiting.get(studyId) as TrialRow | undefined;
    if (waitingRow) {
      const t = loaded(waitingRow);
      t.state = 'running';
      t.startedAt = now;
      t.heartbeatAt = heartbeatAt;
      t.version = this.bump(studyId);
      this.saveTrial(t);
      return frozen(t, new Map());
    }
    // 2. A retry of a trial that failed for reasons unrelated to its parameters.
    const maxRetries = options.maxRetries ?? 0;
    if (maxRetries > 0) {
      for (const row of this.s.retryCandidates.all(studyId) as TrialRow[]) {
        const old = loaded(row);
        if (!isDueRetry(old, maxRetries)) continue;
        const t = this.insertTrial(studyId, 'running', heartbeatAt);
        Object.assign(t.params, old.params);
        Object.assign(t.distributions, old.distributions);
        Object.assign(t.userAttrs, old.userAttrs);
        t.systemAttrs.retryOf = old.number;
        t.systemAttrs.retryCount = retryCount(old) + 1;
        if (old.systemAttrs.fixedParams !== undefined) t.systemAttrs.fixedParams = old.systemAttrs.fixedParams;
        if (old.systemAttrs.origin !== undefined) t.systemAttrs.origin = old.systemAttrs.origin;
        this.saveTrial(t);
        old.systemAttrs.retriedBy = t.number;
        old.version = t.version;
        this.saveTrial(old);
        return frozen(t, new Map());
      }
    }
    // 3. A fresh trial.
    return frozen(this.insertTrial(studyId, 'running', heartbeatAt), new Map());
  }

  async updateTrial(trialId: number, update: TrialUpdate): Promise<void> {
    if (isHeartbeatOnly(update)) {
      // The common case while a trial runs: one indexed UPDATE, no version bump (no reader cares).
      const key = update.claimKey ?? null;
      const done = await this.write(() => this.s.heartbeat.run(this.clock(), trialId, key, key).changes > 0);
      if (done) return;
    }
    await this.write(() => this.applyUpdate(trialId, update));
  }

  /** The body of `updateTrial`, inside the caller's write transaction. */
  private applyUpdate(trialId: number, update: TrialUpdate): void {
    const row = this.s.trialById.get(trialId) as (TrialRow & { claim_key: string | null }) | undefined;
    if (!row) throw new TrialNotFoundError(trialId, this.location);
    checkClaim(trialId, this.location, row.claim_key, update.claimKey);
    const t = loaded(row);
    const effects = applyTrialUpdate(t, update, (name) => this.studyDistribution(t.studyId, name), this.clock());
    for (const p of effects.newParams) this.s.insertStudyParam.run(t.studyId, p.name, JSON.stringify(p.distribution));
    for (const [step, value] of effects.intermediate) this.s.insertValue.run(trialId, step, value);
    if (effects.visible) t.version = this.bump(t.studyId);
    this.saveTrial(t);
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    return this.read(() => {
      const row = this.s.trialById.get(trialId) as TrialRow | undefined;
      if (!row) throw new TrialNotFoundError(trialId, this.location);
      return frozen(loaded(row), this.values(trialId));
    });
  }

  async trialsSince(studyId: number, cursor: number): Promise<TrialsPage> {
    // One read transaction: the trials, their values and the new cursor come from one snapshot.
    return this.read(() => {
      const study = this.studyRow(studyId);
      // A cursor from the future (another file's, or a misuse) cannot be trusted: everything, from scratch.
      if (cursor > study.version) return { ...this.since(study, 0), study: studyRecord(study), reset: true };
      return this.since(study, cursor);
    });
  }

  /** `trialsSince` inside its read transaction. */
  private since(study: StudyRow, cursor: number): TrialsPage {
    const studyId = study.id;
    if (study.version <= cursor) return { trials: [], cursor: study.version };
    const values = new Map<number, Map<number, number>>();
    for (const v of this.s.valuesSince.iterate(studyId, cursor) as IterableIterator<ValueRow & { trial_id: number }>) {
      let m = values.get(v.trial_id);
      if (!m) values.set(v.trial_id, (m = new Map()));
      m.set(v.step, v.value ?? NaN);
    }
    const trials = (this.s.trialsSince.all(studyId, cursor) as TrialRow[]).map((row) =>
      frozen(loaded(row), values.get(row.id) ?? new Map()),
    );
    const page: TrialsPage = { trials, cursor: study.version };
    return study.attrs_version > cursor ? { ...page, study: studyRecord(study) } : page;
  }

  async failStaleTrials(studyId: number, graceMs: number): Promise<number[]> {
    return this.write(() => {
      this.studyRow(studyId);
      return this.failStale(studyId, graceMs, this.clock());
    });
  }

  async sendCommand(trialId: number, command: NewCommand): Promise<CommandRecord> {
    return this.write(() => {
      const t = this.trialRow(trialId);
      checkNewCommand(trialId, command);
      const again = command.key === undefined ? undefined : (this.s.commandBySendKey.get(command.key) as CommandRow | undefined);
      if (again) {
        checkSameCommand({ ...again, trialId: again.trial_id }, trialId, command);
        return commandRecord(again);
      }
      if (t.state !== 'running' && t.state !== 'waiting') throw new TrialFinishedError(t.number, t.state);
      const row = this.s.insertCommand.get(trialId, command.kind, JSON.stringify(command.args ?? {}), this.clock(), command.key ?? null) as CommandRow;
      this.s.stampTrial.run(this.bump(t.study_id), trialId);
      return commandRecord(row);
    });
  }

  async takeCommands(trialId: number, claimKey?: string): Promise<CommandRecord[]> {
    // Called at every step of a training: a read answers the usual "nothing pending" without the write lock.
    const probe = await this.read(
      () => this.s.pendingProbe.get(trialId, trialId, trialId) as { trial: number | null; claim_key: string | null; pending: number | null },
    );
    if (probe.trial === null) throw new TrialNotFoundError(trialId, this.location);
    checkClaim(trialId, this.location, probe.claim_key, claimKey);
    if (probe.pending === null) return [];
    // One writer at a time: a command is taken by exactly one caller (the claim, checked again inside).
    const rows = await this.write(() => {
      checkClaim(trialId, this.location, this.trialRow(trialId).claim_key, claimKey);
      return this.s.takeCommands.all(randomUUID(), trialId) as CommandRow[];
    });
    return rows.sort((a, b) => a.id - b.id).map(commandRecord);
  }

  async settleCommand(commandId: number, outcome: CommandOutcome, claimKey?: string): Promise<CommandRecord> {
    return this.write(() => {
      const c = this.s.commandById.get(commandId) as (CommandRow & { study_id: number; claim_key: string | null }) | undefined;
      if (!c) throw new RecordNotFoundError('command', commandId, this.location);
      checkClaim(c.trial_id, this.location, c.claim_key, claimKey);
      checkCommandOutcome(commandId, outcome);
      if (c.state === 'applied' || c.state === 'refused') {
        throw new InvalidWriteError(`command ${commandId} was already ${c.state}; a settled command cannot change`);
      }
      const row = this.s.settleCommand.get(outcome.state, this.clock(), outcome.step ?? null, outcome.message ?? null, commandId) as CommandRow;
      this.s.stampTrial.run(this.bump(c.study_id), c.trial_id);
      return commandRecord(row);
    });
  }

  async listCommands(trialId: number): Promise<CommandRecord[]> {
    return this.read(() => {
      this.trialRow(trialId);
      return (this.s.commandsOfTrial.all(trialId) as CommandRow[]).map(commandRecord);
    });
  }

  async saveCheckpoint(trialId: number, cp: NewCheckpoint, options: SaveCheckpointOptions = {}): Promise<CheckpointInfo> {
    return this.write(() => {
      checkClaim(trialId, this.location, this.trialRow(trialId).claim_key, options.claimKey);
      checkNewCheckpoint(trialId, cp, options);
      const again = cp.key === undefined ? undefined : (this.s.checkpointBySaveKey.get(cp.key) as CheckpointRow | undefined);
      if (again) {
        checkSameCheckpoint({ id: again.id, trialId: again.trial_id }, trialId, cp.key!);
        return checkpointInfo(again);
      }
      const data = Buffer.from(cp.data.buffer, cp.data.byteOffset, cp.data.byteLength);
      const meta = JSON.stringify(cp.meta ?? {});
      const id = Number(this.s.insertCheckpoint.run(trialId, cp.step, cp.kind, meta, this.clock(), data, cp.key ?? null).lastInsertRowid);
      if (cp.kind === 'auto' && options.keepAuto !== undefined) this.s.pruneAuto.run(trialId, trialId, options.keepAuto);
      return checkpointInfo(this.s.checkpointInfo.get(id) as CheckpointRow);
    });
  }

  async listCheckpoints(trialId: number): Promise<CheckpointInfo[]> {
    return this.read(() => {
      this.trialRow(trialId);
      return (this.s.checkpointsOfTrial.all(trialId) as CheckpointRow[]).map(checkpointInfo);
    });
  }

  async loadCheckpoint(checkpointId: number): Promise<Checkpoint> {
    const row = await this.read(() => this.s.checkpointWithData.get(checkpointId) as (CheckpointRow & { data: Uint8Array }) | undefined);
    if (!row) throw new RecordNotFoundError('checkpoint', checkpointId, this.location);
    return checkpoint(row);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // -- inside transactions --------------------------------------------------

  private failStale(studyId: number, graceMs: number, now: number): number[] {
    const rows = this.s.staleTrials.all(studyId, now - graceMs) as TrialRow[];
    if (rows.length === 0) return [];
    const version = this.bump(studyId);
    return rows.map((row) => {
      const t = loaded(row);
      finish(t, staleOutcome(now - (row.heartbeat_at ?? now), graceMs), now);
      t.version = version;
      this.saveTrial(t);
      return t.number;
    });
  }

  private insertTrial(studyId: number, state: 'waiting' | 'running', heartbeatAt: number | null): Loaded {
    const { n } = this.s.nextNumber.get(studyId) as { n: number };
    const now = this.clock();
    const t: Loaded = {
      id: 0,
      studyId,
      number: n,
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
      version: this.bump(studyId),
    };
    t.id = Number(this.s.insertTrial.run(studyId, n, state, t.version).lastInsertRowid);
    this.saveTrial(t);
    return t;
  }

  private saveTrial(t: Loaded): void {
    this.s.saveTrial.run(
      t.state,
      t.value ?? null,
      ...resultColumns(t),
      JSON.stringify(t.params),
      JSON.stringify(t.distributions),
      JSON.stringify(t.userAttrs),
      JSON.stringify(t.systemAttrs),
      t.startedAt ?? null,
      t.completedAt ?? null,
      t.heartbeatAt,
      t.version,
      t.id,
    );
  }

  /** A trial's intermediate values, by step. */
  private values(trialId: number): Map<number, number> {
    const values = new Map<number, number>();
    for (const v of this.s.valuesOfTrial.iterate(trialId) as IterableIterator<ValueRow>) values.set(v.step, v.value ?? NaN);
    return values;
  }

  private studyDistribution(studyId: number, name: string): Distribution | undefined {
    const row = this.s.studyParam.get(studyId, name) as { distribution: string } | undefined;
    return row && (JSON.parse(row.distribution) as Distribution);
  }

  /** The study's next version; the caller stamps what it changes with it. */
  private bump(studyId: number): number {
    return (this.s.bump.get(studyId) as { version: number }).version;
  }

  private trialRow(trialId: number): TrialRow & { claim_key: string | null } {
    const row = this.s.trialById.get(trialId) as (TrialRow & { claim_key: string | null }) | undefined;
    if (!row) throw new TrialNotFoundError(trialId, this.location);
    return row;
  }

  private studyRow(studyId: number): StudyRow {
    const row = this.s.studyById.get(studyId) as StudyRow | undefined;
    if (!row) throw new StudyNotFoundError(studyId, this.location);
    return row;
  }

  // -- transactions with retries --------------------------------------------

  private write<T>(fn: () => T): Promise<T> {
    return retryWhileLocked(this.path, this.lockedForMs, () => this.tx.immediate(fn) as T);
  }

  private read<T>(fn: () => T): Promise<T> {
    return retryWhileLocked(this.path, this.lockedForMs, () => this.tx.deferred(fn) as T);
  }
}
