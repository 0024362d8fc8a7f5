/**
 * The Storage interface: where studies and their trials live. Every method is
 * async so that a network database (PostgreSQL) implements the same contract
 * as the in-memory and SQLite storages, and all of them pass the one shared
 * suite in `test/tune/storage-suite.ts`.
 *
 * The contract, in the words a new implementation must honour:
 *
 * - **Atomic claims.** `claimTrial` decides, in one transaction, which trial a
 *   worker runs next: the oldest enqueued (`waiting`) trial first, then the
 *   oldest failed trial whose retry is due, else a new trial. Two workers
 *   never get the same trial, and trial numbers are 0, 1, 2, ... per study
 *   with no gap and no duplicate.
 * - **Finished is final.** A trial that is complete, pruned or failed never
 *   changes state, parameters or intermediate values again; writes to it are
 *   refused with `TrialFinishedError` (attributes may still be added, which is
 *   how a retry links back to the trial it retries).
 * - **Versions, not reloads.** Every write that changes what a reader of a
 *   trial would see stamps the trial with the study's next version number, and
 *   `trialsSince(studyId, cursor)` returns only trials stamped after `cursor`.
 *   Versions must become visible in increasing order: a reader that has seen
 *   version v must never later find a trial committed with a version <= v.
 *   (SQLite gets this from its single writer; PostgreSQL gets it by bumping
 *   the counter on the study row, whose row lock is held until commit.)
 * - **One clock.** Heartbeats and staleness are judged by the storage's own
 *   clock (the database server's, for PostgreSQL), so workers on machines with
 *   skewed clocks agree on what is stale.
 * - **No lock errors.** Lock timeouts, "database is locked", serialization
 *   failures and deadlocks are retried inside the storage and never reach
 *   the caller.
 * - **Retries never duplicate.** A write retried after its connection was
 *   lost during COMMIT (which may have succeeded) must return the first
 *   write's record, never write a second one: claims, enqueued trials,
 *   commands and checkpoints carry a key chosen by the writer (`key`; the
 *   storage makes one when the caller gives none), unique in the storage,
 *   and finishing, settling or taking again is recognised as the same write.
 * - **Claims are checked.** A running trial keeps the key it was claimed
 *   with; writes of its runner carry it (`claimKey`) and are refused with
 *   `TrialLostError` when the trial with that id is not that claim (a
 *   database that lost its last commits in a crash may hand the id out
 *   again), so a lost trial's result can never land on another trial.
 * - **Rolled-back versions are told.** When a crash loses commits a reader
 *   may already have seen (PostgreSQL with `durability=fast`), the study's
 *   versions could go back below that reader's cursor; the storage then
 *   answers `trialsSince` with every trial and `reset: true`, and never hands
 *   out again a version a reader may have seen.
 */
import type { Direction, Distribution, FrozenTrial, ParamValue } from '../types.js';

/** A study as stored. */
export interface StudyRecord {
  /** Storage-wide unique id. */
  readonly id: number;
  /** Unique within the storage. */
  readonly name: string;
  /** The first objective's direction (the only one of a single-objective study). */
  readonly direction: Direction;
  /** One direction per objective: `[direction]` for a single-objective study. */
  readonly directions: readonly Direction[];
  readonly userAttrs: Readonly<Record<string, unknown>>;
  /** Attributes the tuner keeps for itself (e.g. coarse-to-fine regions). */
  readonly systemAttrs: Readonly<Record<string, unknown>>;
  /**
   * One study-level JSON document, `null` when unset: the experiment file, so
   * that a `caviar worker` on another machine can rebuild the objective.
   */
  readonly data: unknown;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** What `createStudy` needs. */
export interface NewStudy {
  readonly name: string;
  readonly direction: Direction;
  /**
   * A multi-objective study: one direction per objective (two or more), the
   * first equal to `direction`. Absent: a single-objective study.
   */
  readonly directions?: readonly Direction[];
  readonly userAttrs?: Readonly<Record<string, unknown>>;
  readonly systemAttrs?: Readonly<Record<string, unknown>>;
  readonly data?: unknown;
}

/** Changes to a study's attributes; attributes are merged key by key, `data` replaced. */
export interface StudyUpdate {
  readonly userAttrs?: Readonly<Record<string, unknown>>;
  readonly systemAttrs?: Readonly<Record<string, unknown>>;
  readonly data?: unknown;
}

/** What a trial reports at a step: a number, or one number per objective in a multi-objective study. */
export type IntermediateValue = number | readonly number[];

/** How a trial ends. */
export type TrialOutcome =
  | { readonly state: 'complete'; readonly value: number }
  /** A complete trial of a multi-objective study: one finite value per objective. */
  | { readonly state: 'complete'; readonly values: readonly number[] }
  /** `value` is the last intermediate value, when there is one. */
  | { readonly state: 'pruned'; readonly value?: number }
  /**
   * `retryable` marks failures that say nothing about the parameters (the
   * process died, the worker crashed): only those are retried by `claimTrial`.
   */
  | { readonly state: 'failed'; readonly reason: string; readonly retryable?: boolean };

/** One parameter to record, with the distribution it was drawn from. */
export interface ParamWrite {
  readonly name: string;
  readonly value: ParamValue;
  readonly distribution: Distribution;
}

/**
 * A batch of writes to one running trial, applied in one transaction, in this
 * order: params, intermediate values, attributes, heartbeat, finish.
 *
 * - `params`: a name already set on the trial with the same value is a no-op,
 *   with another value an error; a distribution that conflicts with the one
 *   the study already has for that name (another type, scale or set of
 *   choices) is refused with `DistributionConflictError`.
 * - `intermediate`: `[step, value]` pairs, steps non-negative integers, the
 *   value a number or (multi-objective studies) a vector of numbers. A step
 *   already reported keeps its first value; the repeat is ignored (as Optuna
 *   does), never an error, in every storage.
 * - `userAttrs`/`systemAttrs`: merged key by key; values must be JSON.
 * - `heartbeat`: the trial is alive now (by the storage's clock).
 * - `finish`: the trial's final state; afterwards it can never change again.
 */
export interface TrialUpdate {
  readonly params?: readonly ParamWrite[];
  readonly intermediate?: readonly (readonly [step: number, value: IntermediateValue])[];
  readonly userAttrs?: Readonly<Record<string, unknown>>;
  readonly systemAttrs?: Readonly<Record<string, unknown>>;
  readonly heartbeat?: boolean;
  readonly finish?: TrialOutcome;
  /**
   * The key the writer claimed the trial with (`ClaimOptions.key`): the write
   * is refused with `TrialLostError`, changing nothing, when the trial with
   * this id was not claimed with that key.
   */
  readonly claimKey?: string;
}

/** What a worker asks for when it wants its next trial. */
export interface ClaimOptions {
  /**
   * Failed trials marked retryable are re-created as new trials up to this
   * many times along one chain of retries (default 0: never). The new trial
   * gets the old one's params and distributions and the system attributes
   * `retryOf` (the old trial's number) and `retryCount`; the old trial gets
   * `retriedBy` (the new trial's number), so it is retried only once.
   */
  readonly maxRetries?: number;
  /**
   * When given, running trials whose heartbeat is older than this many
   * milliseconds are failed first, in the same transaction (see
   * `failStaleTrials`), so a retry can be claimed at once.
   */
  readonly staleGraceMs?: number;
  /**
   * Whether the claimed trial takes part in heartbeats (default true). Only
   * such trials can ever be failed as stale; turn it off for a trial that a
   * person holds open by hand with no process to heartbeat it.
   */
  readonly heartbeat?: boolean;
  /**
   * Claim nothing (return `undefined`) when the study already has this many
   * trials that are complete or running: the atomic form of "run until N
   * complete trials", so that many workers together stop at exactly N.
   */
  readonly maxCompleteOrRunning?: number;
  /**
   * Writes to a trial this worker has just run (its finish, typically),
   * applied before the claim and in the same transaction where the storage
   * can: on PostgreSQL one locked, flushed commit per trial instead of two.
   * If the write is refused, nothing is claimed and the error is thrown.
   */
  readonly finishing?: { readonly trialId: number; readonly update: TrialUpdate };
  /**
   * A key unique to this claim (a random UUID), chosen by the claimer; the
   * storage makes one when absent. A claim retried with a key that already
   * claimed a trial in the study returns that trial instead of claiming a
   * second one (a claim whose COMMIT succeeded but whose answer was lost
   * would otherwise leave a trial running that nobody runs). The trial keeps
   * the key while it runs; see `TrialUpdate.claimKey`.
   */
  readonly key?: string;
}

/** New trials for `enqueueTrial`: parameter values fixed in advance. */
export interface EnqueuedTrial {
  /** Values that `suggest*` returns for these names instead of sampling; kept in system attribute `fixedParams`. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly userAttrs?: Readonly<Record<string, unknown>>;
  /**
   * Merged into the new trial's system attributes (after `fixedParams`); how
   * a fork records `origin` (the checkpoint it starts from). A retry of the
   * trial copies them too.
   */
  readonly systemAttrs?: Readonly<Record<string, unknown>>;
  /**
   * A key unique to this request (the storage makes one when absent):
   * enqueueing again with a key the study already has returns that trial
   * instead of adding a second one.
   */
  readonly key?: string;
}

/**
 * What a person (the dashboard, or the library's `TrialController`) asks a
 * running trial to do. The trial takes its commands while it trains, applies
 * them at a step of its own, and settles each one as applied or refused.
 *
 * - `pause` / `resume` / `stop`: stop ends the trial as complete with the
 *   value it has reached.
 * - `set`: changes hyperparameters that can change mid-run (`learningRate`,
 *   `beta1`, ...), from the step it is applied at.
 * - `checkpoint`: saves a checkpoint now.
 * - `rollback`: loads the checkpoint `checkpointId` of this trial and goes on
 *   training from its step.
 */
export type CommandKind = 'pause' | 'resume' | 'stop' | 'set' | 'checkpoint' | 'rollback';

/** `pending` until the trial takes it, `taken` while it applies it, then `applied` or `refused` (final). */
export type CommandState = 'pending' | 'taken' | 'applied' | 'refused';

/** What `sendCommand` needs. `args` is a JSON object (`{ params: { learningRate: 0.01 } }`, `{ checkpointId: 3 }`). */
export interface NewCommand {
  readonly kind: CommandKind;
  readonly args?: Readonly<Record<string, unknown>>;
  /**
   * A key unique to this command (the storage makes one when absent):
   * sending again with the same key returns the first command instead of
   * queueing a second; the same key for another trial, kind or args is
   * refused with `InvalidWriteError`.
   */
  readonly key?: string;
}

/** A command as stored. */
export interface CommandRecord {
  /** Storage-wide unique id, increasing in the order commands were sent. */
  readonly id: number;
  readonly trialId: number;
  readonly kind: CommandKind;
  readonly args: Readonly<Record<string, unknown>>;
  readonly state: CommandState;
  /** When it was sent, ms since the epoch, by the storage's clock. */
  readonly createdAt: number;
  /** When it was applied or refused. */
  readonly settledAt?: number;
  /** The training step (epochs done, fractions within an epoch) at which it was applied or refused. */
  readonly step?: number;
  /** Why it was refused, or a note on how it was applied. */
  readonly message?: string;
}

/** How a taken command ends. */
export interface CommandOutcome {
  readonly state: 'applied' | 'refused';
  readonly step?: number;
  readonly message?: string;
}

/** What `saveCheckpoint` stores: opaque bytes plus a small JSON description. */
export interface NewCheckpoint {
  /** Training step the checkpoint was taken at (epochs done). */
  readonly step: number;
  readonly data: Uint8Array;
  /** JSON object: what a reader needs without loading the bytes (epoch, learning rate, metric). */
  readonly meta?: Readonly<Record<string, unknown>>;
  /**
   * `auto` checkpoints are taken on a schedule and only the newest `keepAuto`
   * of a trial are kept; `manual` ones (a person asked) are never dropped.
   */
  readonly kind: 'auto' | 'manual';
  /**
   * A key unique to this checkpoint (the storage makes one when absent):
   * saving again with the same key returns the first save's record instead
   * of storing the bytes twice; the same key for another trial is refused.
   */
  readonly key?: string;
}

/** Options of `saveCheckpoint`. */
export interface SaveCheckpointOptions {
  /** With kind `auto`: delete this trial's older `auto` checkpoints beyond the newest `keepAuto`, in the same transaction. */
  readonly keepAuto?: number;
  /** The key the trial's runner claimed it with: `TrialLostError` when the trial is not that claim (see `TrialUpdate.claimKey`). */
  readonly claimKey?: string;
}

/** A checkpoint without its bytes. */
export interface CheckpointInfo {
  /** Storage-wide unique id. */
  readonly id: number;
  readonly trialId: number;
  /** The study the trial belongs to (a fork is enqueued there). */
  readonly studyId: number;
  /** The trial's number within its study, for messages and lineage. */
  readonly trialNumber: number;
  readonly step: number;
  readonly kind: 'auto' | 'manual';
  readonly meta: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  /** Length of `data` in bytes. */
  readonly size: number;
}

/** A checkpoint with its bytes. */
export interface Checkpoint extends CheckpointInfo {
  readonly data: Uint8Array;
}

/** The answer of `trialsSince`. */
export interface TrialsPage {
  /** Trials changed after the cursor, in trial-number order, each in full. */
  readonly trials: readonly FrozenTrial[];
  /** Pass this to the next `trialsSince` call. */
  readonly cursor: number;
  /** The study itself, present when its attributes changed after the cursor. */
  readonly study?: StudyRecord;
  /**
   * True when the cursor cannot be trusted: it is past anything the storage
   * now holds, or it counted commits a database crash rolled back. The page
   * then holds every trial of the study and the study record, and the
   * reader must drop what it had (trials it saw may no longer exist).
   */
  readonly reset?: boolean;
}

/**
 * Where studies live. See the module comment for the guarantees every
 * implementation makes.
 *
 * @example
 *   import { MemoryStorage } from './memory.js';
 *   const storage: Storage = new MemoryStorage();
 *   const study = await storage.createStudy({ name: 'mlp', direction: 'minimize' });
 *   const trial = await storage.claimTrial(study.id);
 *   await storage.updateTrial(trial!.id, {
 *     params: [{ name: 'lr', value: 0.01, distribution: { type: 'float', low: 1e-4, high: 1, scale: 'log' } }],
 *     intermediate: [[0, 0.9]],
 *     finish: { state: 'complete', value: 0.5 },
 *   });
 *   const { trials, cursor } = await storage.trialsSince(study.id, 0);
 */
export interface Storage {
  /** A short description of where the data is, for messages (`memory`, `sqlite:/path/x.db`). */
  readonly location: string;

  /** Creates a study; `DuplicateStudyError` when the name is taken. */
  createStudy(study: NewStudy): Promise<StudyRecord>;
  /** The study with this name, or `undefined`. */
  getStudy(name: string): Promise<StudyRecord | undefined>;
  /** Every study, oldest first. */
  listStudies(): Promise<StudyRecord[]>;
  /** Merges attributes into a study (and replaces `data` when given). */
  updateStudy(studyId: number, update: StudyUpdate): Promise<void>;
  /** Deletes a study and all its trials; `StudyNotFoundError` when there is none. */
  deleteStudy(name: string): Promise<void>;

  /** Adds a `waiting` trial whose parameters are fixed; `claimTrial` hands it out before anything else. */
  enqueueTrial(studyId: number, trial: EnqueuedTrial): Promise<FrozenTrial>;
  /**
   * Atomically takes the next trial to run and marks it `running`: the oldest
   * waiting trial, else the oldest due retry, else a new trial. `undefined`
   * only when `maxCompleteOrRunning` says the study has enough.
   */
  claimTrial(studyId: number, options?: ClaimOptions): Promise<FrozenTrial | undefined>;
  /** Applies a batch of writes to one trial in one transaction (see `TrialUpdate`). */
  updateTrial(trialId: number, update: TrialUpdate): Promise<void>;
  /** One trial by its storage-wide id; `TrialNotFoundError` when there is none. */
  getTrial(trialId: number): Promise<FrozenTrial>;
  /** Trials of the study changed after `cursor` (0 reads everything). */
  trialsSince(studyId: number, cursor: number): Promise<TrialsPage>;
  /**
   * Fails every running trial of the study (with heartbeats on) whose last
   * heartbeat is older than `graceMs`, recording why in the system attribute
   * `failReason` and marking it retryable. Returns the numbers of the trials
   * it failed.
   */
  failStaleTrials(studyId: number, graceMs: number): Promise<number[]>;

  /**
   * Queues a command for a running (or waiting) trial and stamps the trial
   * with the study's next version, so live readers notice. A finished trial
   * refuses with `TrialFinishedError`; an unknown id is `TrialNotFoundError`;
   * args that are not a JSON object are `InvalidWriteError`.
   */
  sendCommand(trialId: number, command: NewCommand): Promise<CommandRecord>;
  /**
   * Atomically moves the trial's pending commands to `taken` and returns them
   * in the order they were sent: each command is taken exactly once, even
   * when two processes ask at once (and a retry after a lost COMMIT returns
   * what the first attempt took). With `claimKey`, `TrialLostError` when the
   * trial is not that claim, and nothing is taken.
   */
  takeCommands(trialId: number, claimKey?: string): Promise<CommandRecord[]>;
  /**
   * Settles a taken (or still pending) command as applied or refused, with the
   * step, and stamps its trial's version. Settling a settled command is
   * `InvalidWriteError`; an unknown id is `RecordNotFoundError`. With
   * `claimKey`, `TrialLostError` when the command's trial is not that claim.
   */
  settleCommand(commandId: number, outcome: CommandOutcome, claimKey?: string): Promise<CommandRecord>;
  /** Every command of the trial, oldest first: its history of interventions. */
  listCommands(trialId: number): Promise<CommandRecord[]>;
  /**
   * Stores a checkpoint of a trial (any state: a trial may save its last one
   * as it finishes). Visible to every worker of the storage at once.
   */
  saveCheckpoint(trialId: number, checkpoint: NewCheckpoint, options?: SaveCheckpointOptions): Promise<CheckpointInfo>;
  /** The trial's checkpoints, oldest first, without their bytes. */
  listCheckpoints(trialId: number): Promise<CheckpointInfo[]>;
  /** One checkpoint with its bytes; `RecordNotFoundError` when there is none. */
  loadCheckpoint(checkpointId: number): Promise<Checkpoint>;

  /** Releases the connection or file; the storage cannot be used afterwards. */
  close(): Promise<void>;
}
