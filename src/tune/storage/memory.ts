/**
 * In-memory storage: the default for a study with no `storage`, and the
 * reference the other storages are tested against. Nothing survives the
 * process. Readers get copies, never the stored objects.
 */
import type { Distribution, FrozenTrial } from '../types.js';
import { DuplicateStudyError, InvalidWriteError, RecordNotFoundError, StudyNotFoundError, TrialFinishedError, TrialNotFoundError } from './errors.js';
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
  resultFields,
  staleOutcome,
  type TrialRecord,
} from './rules.js';
import type {
  Checkpoint,
  CheckpointInfo,
  ClaimOptions,
  CommandOutcome,
  CommandRecord,
  EnqueuedTrial,
  NewCheckpoint,
  NewCommand,
  SaveCheckpointOptions,
  NewStudy,
  Storage,
  StudyRecord,
  StudyUpdate,
  TrialsPage,
  TrialUpdate,
} from './storage.js';

interface MemoryStudy {
  id: number;
  name: string;
  direction: StudyRecord['direction'];
  directions: StudyRecord['directions'];
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
  data: unknown;
  createdAt: number;
  /** Last version handed out in this study. */
  version: number;
  /** Version of the last change to the study's own attributes. */
  attrsVersion: number;
  /** Trials by number. */
  trials: MemoryTrial[];
  /** The distribution the study records for each parameter name. */
  distributions: Map<string, Distribution>;
  // Indexes, so that a claim or a read never scans the whole study.
  /** Enqueued trials, oldest first. */
  waiting: MemoryTrial[];
  running: Set<MemoryTrial>;
  /** Failed, retryable and not yet retried. */
  retryable: MemoryTrial[];
  complete: number;
  /** Trials in the order of their changes (with repeats), and the version of each change: sorted. */
  changed: MemoryTrial[];
  changedAt: number[];
  /** Trials by the key of the claim that runs them, and enqueued trials by their request's key. */
  claims: Map<string, MemoryTrial>;
  enqueued: Map<string, MemoryTrial>;
}

interface MemoryTrial extends TrialRecord {
  id: number;
  studyId: number;
  startedAt: number | undefined;
  version: number;
  intermediate: Map<number, number>;
  /** The key of the claim that runs (or ran) it, null when it was never claimed with one. */
  claimKey: string | null;
}

/** Options of the in-memory storage. */
export interface MemoryStorageOptions {
  /** The clock for heartbeats and timestamps (ms); tests pass a fake one. */
  readonly clock?: () => number;
}

/**
 * Studies kept in this process's memory.
 *
 * @example
 *   const storage = new MemoryStorage();
 *   const study = await storage.createStudy({ name: 's', direction: 'maximize' });
 *   const trial = await storage.claimTrial(study.id);
 */
export class MemoryStorage implements Storage {
  readonly location = 'memory';
  private readonly studies = new Map<number, MemoryStudy>();
  private readonly trials = new Map<number, MemoryTrial>();
  private nextStudyId = 1;
  private nextTrialId = 1;
  private readonly commands = new Map<number, CommandRecord>();
  private readonly checkpoints = new Map<number, Checkpoint>();
  private nextCommandId = 1;
  private nextCheckpointId = 1;
  /** Commands and checkpoints by the key they were written with. */
  private readonly commandKeys = new Map<string, number>();
  private readonly checkpointKeys = new Map<string, number>();
  private readonly clock: () => number;

  constructor(options: MemoryStorageOptions = {}) {
    this.clock = options.clock ?? Date.now;
  }

  async createStudy(study: NewStudy): Promise<StudyRecord> {
    checkStudyInput(study);
    for (const s of this.studies.values()) if (s.name === study.name) throw new DuplicateStudyError(study.name, this.location);
    const record: MemoryStudy = {
      id: this.nextStudyId++,
      name: study.name,
      direction: study.direction,
      directions: [...(study.directions ?? [study.direction])],
      userAttrs: clone({ ...study.userAttrs }),
      systemAttrs: clone({ ...study.systemAttrs }),
      data: study.data === undefined ? null : clone(study.data),
      createdAt: this.clock(),
      version: 0,
      attrsVersion: 0,
      trials: [],
      distributions: new Map(),
      waiting: [],
      running: new Set(),
      retryable: [],
      complete: 0,
      changed: [],
      changedAt: [],
      claims: new Map(),
      enqueued: new Map(),
    };
    this.studies.set(record.id, record);
    return studyRecord(record);
  }

  async getStudy(name: string): Promise<StudyRecord | undefined> {
    for (const s of this.studies.values()) if (s.name === name) return studyRecord(s);
    return undefined;
  }

  async listStudies(): Promise<StudyRecord[]> {
    return [...this.studies.values()].map(studyRecord);
  }

  async updateStudy(studyId: number, update: StudyUpdate): Promise<void> {
    const study = this.study(studyId);
    checkAttrs('study user attribute', update.userAttrs);
    checkAttrs('study system attribute', update.systemAttrs);
    if (update.data !== undefined) checkJson('study data', update.data);
    Object.assign(study.userAttrs, clone({ ...update.userAttrs }));
    Object.assign(study.systemAttrs, clone({ ...update.systemAttrs }));
    if (update.data !== undefined) study.data = clone(update.data);
    study.attrsVersion = ++study.version;
  }

  async deleteStudy(name: string): Promise<void> {
    for (const s of this.studies.values()) {
      if (s.name !== name) continue;
      for (const t of s.trials) this.trials.delete(t.id);
      for (const [id, c] of this.commands) if (!this.trials.has(c.trialId)) this.commands.delete(id);
      for (const [id, c] of this.checkpoints) if (!this.trials.has(c.trialId)) this.checkpoints.delete(id);
      for (const [key, id] of this.commandKeys) if (!this.commands.has(id)) this.commandKeys.delete(key);
      for (const [key, id] of this.checkpointKeys) if (!this.checkpoints.has(id)) this.checkpointKeys.delete(key);
      this.studies.delete(s.id);
      return;
    }
    throw new StudyNotFoundError(name, this.location);
  }

  async enqueueTrial(studyId: number, trial: EnqueuedTrial): Promise<FrozenTrial> {
    const study = this.study(studyId);
    checkAttrs('enqueued trial parameter', trial.params);
    checkAttrs('enqueued trial user attribute', trial.userAttrs);
    checkAttrs('enqueued trial system attribute', trial.systemAttrs);
    checkKey('enqueued trial', trial.key);
    const again = trial.key === undefined ? undefined : study.enqueued.get(trial.key);
    if (again) return frozen(again);
    const t = this.newTrial(study, 'waiting');
    if (trial.key !== undefined) study.enqueued.set(trial.key, t);
    t.systemAttrs.fixedParams = clone({ ...trial.params });
    Object.assign(t.systemAttrs, clone({ ...trial.systemAttrs }));
    Object.assign(t.userAttrs, clone({ ...trial.userAttrs }));
    return frozen(t);
  }

  async claimTrial(studyId: number, options: ClaimOptions = {}): Promise<FrozenTrial | undefined> {
    const study = this.study(studyId);
    checkKey('claim', options.key);
    // The same claim again (its caller did not hear the answer): the trial it claimed; its finishing went with it.
    const again = options.key === undefined ? undefined : study.claims.get(options.key);
    if (again) return frozen(again);
    if (options.finishing) await this.updateTrial(options.finishing.trialId, options.finishing.update);
    const claimed = this.claimNext(study, options);
    if (claimed && options.key !== undefined) {
      claimed.claimKey = options.key;
      study.claims.set(options.key, claimed);
    }
    return claimed && frozen(claimed);
  }

  /** The trial a claim takes (see `claimTrial`), marked running; undefined when the budget is reached. */
  private claimNext(study: MemoryStudy, options: ClaimOptions): MemoryTrial | undefined {
    if (options.staleGraceMs !== undefined) this.failStale(study, options.staleGraceMs);
    if (options.maxCompleteOrRunning !== undefined) {
      if (study.complete + study.running.size >= options.maxCompleteOrRunning) return undefined;
    }
    const now = this.clock();
    const heartbeatAt = options.heartbeat === false ? null : now;
    // 1. An enqueued trial.
    const waiting = study.waiting.shift();
    if (waiting) {
      waiting.state = 'running';
      waiting.startedAt = now;
      waiting.heartbeatAt = heartbeatAt;
      study.running.add(waiting);
      this.stamp(study, waiting, ++study.version);
      return waiting;
    }
    // 2. A retry of a trial that failed for reasons unrelated to its parameters.
    const maxRetries = options.maxRetries ?? 0;
    const old = study.retryable.find((t) => isDueRetry(t, maxRetries));
    if (old) {
      study.retryable.splice(study.retryable.indexOf(old), 1);
      const t = this.newTrial(study, 'running', heartbeatAt);
      Object.assign(t.params, clone(old.params));
      Object.assign(t.distributions, clone(old.distributions));
      Object.assign(t.userAttrs, clone(old.userAttrs));
      t.systemAttrs.retryOf = old.number;
      t.systemAttrs.retryCount = retryCount(old) + 1;
      if (old.systemAttrs.fixedParams !== undefined) t.systemAttrs.fixedParams = clone(old.systemAttrs.fixedParams);
      if (old.systemAttrs.origin !== undefined) t.systemAttrs.origin = clone(old.systemAttrs.origin);
      old.systemAttrs.retriedBy = t.number;
      this.stamp(study, old, t.version);
      return t;
    }
    // 3. A fresh trial.
    return this.newTrial(study, 'running', heartbeatAt);
  }

  async updateTrial(trialId: number, update: TrialUpdate): Promise<void> {
    const t = this.trial(trialId);
    const study = this.study(t.studyId);
    checkClaim(trialId, this.location, t.claimKey, update.claimKey);
    // Work on a copy so that a refused batch leaves the trial as it was.
    const draft: TrialRecord = {
      ...t,
      params: { ...t.params },
      distributions: { ...t.distributions },
      userAttrs: { ...t.userAttrs },
      systemAttrs: { ...t.systemAttrs },
    };
    const effects = applyTrialUpdate(draft, update, (name) => study.distributions.get(name), this.clock());
    if (draft.state !== t.state) this.ended(study, t, draft);
    Object.assign(t, {
      state: draft.state,
      value: draft.value,
      values: draft.values,
      intermediateVectors: clone(draft.intermediateVectors),
      params: draft.params,
      distributions: clone(draft.distributions),
      // Copies, so that the caller's objects never alias what is stored.
      userAttrs: clone(draft.userAttrs),
      systemAttrs: clone(draft.systemAttrs),
      completedAt: draft.completedAt,
      heartbeatAt: draft.heartbeatAt,
    });
    for (const p of effects.newParams) if (!study.distributions.has(p.name)) study.distributions.set(p.name, p.distribution);
    for (const [step, value] of effects.intermediate) if (!t.intermediate.has(step)) t.intermediate.set(step, value);
    if (effects.visible) this.stamp(study, t, ++study.version);
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    return frozen(this.trial(trialId));
  }

  async trialsSince(studyId: number, cursor: number): Promise<TrialsPage> {
    const study = this.study(studyId);
    // A cursor from the future (another storage's, or a misuse) cannot be trusted: everything, from scratch.
    if (cursor > study.version) return { ...(await this.trialsSince(studyId, 0)), study: studyRecord(study), reset: true };
    // The first change after the cursor, by binary search; every later change is after it too.
    let lo = 0;
    let hi = study.changedAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (study.changedAt[mid] > cursor) hi = mid;
      else lo = mid + 1;
    }
    const changed = [...new Set(study.changed.slice(lo))].sort((a, b) => a.number - b.number);
    const page: TrialsPage = { trials: changed.map(frozen), cursor: study.version };
    return study.attrsVersion > cursor ? { ...page, study: studyRecord(study) } : page;
  }

  async failStaleTrials(studyId: number, graceMs: number): Promise<number[]> {
    return this.failStale(this.study(studyId), graceMs);
  }

  async sendCommand(trialId: number, command: NewCommand): Promise<CommandRecord> {
    const t = this.trial(trialId);
    checkNewCommand(trialId, command);
    const again = command.key === undefined ? undefined : this.commands.get(this.commandKeys.get(command.key) ?? -1);
    if (again) {
      checkSameCommand({ ...again, args: JSON.stringify(again.args) }, trialId, command);
      return { ...again, args: clone(again.args) };
    }
    if (t.state !== 'running' && t.state !== 'waiting') throw new TrialFinishedError(t.number, t.state);
    const record: CommandRecord = {
      id: this.nextCommandId++,
      trialId,
      kind: command.kind,
      args: clone({ ...command.args }),
      state: 'pending',
      createdAt: this.clock(),
    };
    this.commands.set(record.id, record);
    if (command.key !== undefined) this.commandKeys.set(command.key, record.id);
    const study = this.study(t.studyId);
    this.stamp(study, t, ++study.version);
    return { ...record, args: clone(record.args) };
  }

  async takeCommands(trialId: number, claimKey?: string): Promise<CommandRecord[]> {
    checkClaim(trialId, this.location, this.trial(trialId).claimKey, claimKey);
    const taken: CommandRecord[] = [];
    for (const [id, c] of this.commands) {
      if (c.trialId !== trialId || c.state !== 'pending') continue;
      const next = { ...c, state: 'taken' as const };
      this.commands.set(id, next);
      taken.push({ ...next, args: clone(next.args) });
    }
    return taken;
  }

  async settleCommand(commandId: number, outcome: CommandOutcome, claimKey?: string): Promise<CommandRecord> {
    const c = this.commands.get(commandId);
    if (!c) throw new RecordNotFoundError('command', commandId, this.location);
    checkClaim(c.trialId, this.location, this.trial(c.trialId).claimKey, claimKey);
    checkCommandOutcome(commandId, outcome);
    if (c.state === 'applied' || c.state === 'refused') {
      throw new InvalidWriteError(`command ${commandId} was already ${c.state}; a settled command cannot change`);
    }
    const next: CommandRecord = {
      ...c,
      state: outcome.state,
      settledAt: this.clock(),
      ...(outcome.step !== undefined ? { step: outcome.step } : {}),
      ...(outcome.message !== undefined ? { message: outcome.message } : {}),
    };
    this.commands.set(commandId, next);
    const t = this.trial(c.trialId);
    const study = this.study(t.studyId);
    this.stamp(study, t, ++study.version);
    return { ...next, args: clone(next.args) };
  }

  async listCommands(trialId: number): Promise<CommandRecord[]> {
    this.trial(trialId);
    return [...this.commands.values()].filter((c) => c.trialId === trialId).map((c) => ({ ...c, args: clone(c.args) }));
  }

  async saveCheckpoint(trialId: number, checkpoint: NewCheckpoint, options: SaveCheckpointOptions = {}): Promise<CheckpointInfo> {
    const t = this.trial(trialId);
    checkClaim(trialId, this.location, t.claimKey, options.claimKey);
    checkNewCheckpoint(trialId, checkpoint, options);
    const again = checkpoint.key === undefined ? undefined : this.checkpoints.get(this.checkpointKeys.get(checkpoint.key) ?? -1);
    if (again) {
      checkSameCheckpoint(again, trialId, checkpoint.key!);
      return info(again);
    }
    const record: Checkpoint = {
      id: this.nextCheckpointId++,
      trialId,
      studyId: t.studyId,
      trialNumber: t.number,
      step: checkpoint.step,
      kind: checkpoint.kind,
      meta: clone({ ...checkpoint.meta }),
      createdAt: this.clock(),
      size: checkpoint.data.byteLength,
      // A copy, as a plain Uint8Array: a Buffer's slice() would share the caller's memory.
      data: new Uint8Array(checkpoint.data),
    };
    this.checkpoints.set(record.id, record);
    if (checkpoint.key !== undefined) this.checkpointKeys.set(checkpoint.key, record.id);
    if (checkpoint.kind === 'auto' && options.keepAuto !== undefined) {
      const autos = [...this.checkpoints.values()].filter((c) => c.trialId === trialId && c.kind === 'auto');
      for (const old of autos.slice(0, Math.max(0, autos.length - options.keepAuto))) this.checkpoints.delete(old.id);
    }
    return info(record);
  }

  async listCheckpoints(trialId: number): Promise<CheckpointInfo[]> {
    this.trial(trialId);
    return [...this.checkpoints.values()].filter((c) => c.trialId === trialId).map(info);
  }

  async loadCheckpoint(checkpointId: number): Promise<Checkpoint> {
    const c = this.checkpoints.get(checkpointId);
    if (!c) throw new RecordNotFoundError('checkpoint', checkpointId, this.location);
    return { ...info(c), data: new Uint8Array(c.data) };
  }

  async close(): Promise<void> {
    this.studies.clear();
    this.trials.clear();
    this.commands.clear();
    this.checkpoints.clear();
  }

  private failStale(study: MemoryStudy, graceMs: number): number[] {
    const now = this.clock();
    const failed: number[] = [];
    let version = 0;
    for (const t of [...study.running].sort((a, b) => a.number - b.number)) {
      if (t.heartbeatAt === null || now - t.heartbeatAt <= graceMs) continue;
      if (version === 0) version = ++study.version;
      finish(t, staleOutcome(now - t.heartbeatAt, graceMs), now);
      this.ended(study, t, t);
      this.stamp(study, t, version);
      failed.push(t.number);
    }
    return failed;
  }

  /** Keeps the indexes right when running trial `t` ends in `next`'s state. */
  private ended(study: MemoryStudy, t: MemoryTrial, next: TrialRecord): void {
    study.running.delete(t);
    if (next.state === 'complete') study.complete++;
    if (next.state === 'failed' && next.systemAttrs.retryable === true) study.retryable.push(t);
  }

  /** Records that `t` changed at `version`, for `trialsSince`. */
  private stamp(study: MemoryStudy, t: MemoryTrial, version: number): void {
    t.version = version;
    study.changed.push(t);
    study.changedAt.push(version);
    // Drop superseded entries now and then, so the log stays within a few times the study's size.
    if (study.changed.length > 4 * study.trials.length + 64) {
      const order = [...study.trials].sort((a, b) => a.version - b.version);
      study.changed = order;
      study.changedAt = order.map((x) => x.version);
    }
  }

  private newTrial(study: MemoryStudy, state: 'waiting' | 'running', heartbeatAt: number | null = null): MemoryTrial {
    const now = this.clock();
    const t: MemoryTrial = {
      id: this.nextTrialId++,
      studyId: study.id,
      number: study.trials.length,
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
      intermediate: new Map(),
      claimKey: null,
    };
    study.trials.push(t);
    this.trials.set(t.id, t);
    if (state === 'waiting') study.waiting.push(t);
    else study.running.add(t);
    this.stamp(study, t, ++study.version);
    return t;
  }

  private study(id: number): MemoryStudy {
    const s = this.studies.get(id);
    if (!s) throw new StudyNotFoundError(id, this.location);
    return s;
  }

  private trial(id: number): MemoryTrial {
    const t = this.trials.get(id);
    if (!t) throw new TrialNotFoundError(id, this.location);
    return t;
  }
}

function studyRecord(s: MemoryStudy): StudyRecord {
  return {
    id: s.id,
    name: s.name,
    direction: s.direction,
    directions: [...s.directions],
    userAttrs: clone(s.userAttrs),
    systemAttrs: clone(s.systemAttrs),
    data: clone(s.data),
    createdAt: s.createdAt,
  };
}

function info(c: Checkpoint): CheckpointInfo {
  const { data: _data, ...rest } = c;
  return { ...rest, meta: clone(rest.meta) };
}

function frozen(t: MemoryTrial): FrozenTrial {
  const out: FrozenTrial = {
    id: t.id,
    number: t.number,
    state: t.state,
    params: { ...t.params },
    distributions: { ...t.distributions },
    intermediate: new Map(t.intermediate),
    userAttrs: clone(t.userAttrs),
    systemAttrs: clone(t.systemAttrs),
    ...resultFields(t),
    ...(t.startedAt !== undefined ? { startedAt: t.startedAt } : {}),
    ...(t.completedAt !== undefined ? { completedAt: t.completedAt } : {}),
  };
  return out;
}

/** A deep copy through JSON: the same thing every persistent storage does, so memory cannot be more lenient. */
function clone<T>(value: T): T {
  if (value === undefined || value === null || typeof value !== 'object') return value;
  // Most attribute objects are empty: skip the round trip for them.
  if (Object.keys(value).length === 0) return (Array.isArray(value) ? [] : {}) as T;
  return JSON.parse(JSON.stringify(value)) as T;
}
