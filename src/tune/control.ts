/**
 * The panda way, from outside a trial: pause, resume, stop, change
 * hyperparameters, checkpoint, roll back and fork a running trial. Commands
 * go through the storage, so a person can steer a trial that trains in
 * another thread, process or machine; the trial takes them while it trains
 * (see `experiment/live.ts`) and settles each with the step it acted at.
 *
 * The dashboard's controls call exactly these functions.
 */
import { distributionContains } from './space/distributions.js';
import { InvalidWriteError, RecordNotFoundError, TrialFinishedError } from './storage/errors.js';
import type { CheckpointInfo, CommandRecord, NewCommand, Storage } from './storage/storage.js';
import type { FrozenTrial, ParamValue } from './types.js';

/** Where a forked trial starts: recorded in its system attribute `origin`. */
export interface TrialOrigin {
  /** The checkpoint whose weights and optimizer state the trial starts from. */
  readonly checkpointId: number;
  /** The number of the trial the checkpoint belongs to. */
  readonly trial: number;
  /** The checkpoint's step: the forked trial goes on from there. */
  readonly step: number;
  /** Why: `fork` (a person), `exploit` (population-based training copied a better member). */
  readonly reason: 'fork' | 'exploit' | 'continue';
}

/** The origin recorded on a trial, or undefined when it starts from scratch. */
export function trialOrigin(trial: Pick<FrozenTrial, 'systemAttrs'>): TrialOrigin | undefined {
  const o = trial.systemAttrs.origin as Partial<TrialOrigin> | undefined;
  if (!o || typeof o !== 'object' || typeof o.checkpointId !== 'number') return undefined;
  return o as TrialOrigin;
}

/**
 * Steers one trial through its storage.
 *
 * @example
 *   const c = new TrialController(storage, trial.id);
 *   await c.pause();
 *   await c.set({ learningRate: 0.003 });
 *   const applied = await c.resume().then((cmd) => c.waitFor(cmd.id));
 *   console.log(applied.state, applied.step); // 'applied', 4.5
 */
export class TrialController {
  constructor(
    readonly storage: Storage,
    readonly trialId: number,
  ) {}

  pause(): Promise<CommandRecord> {
    return this.send({ kind: 'pause' });
  }

  resume(): Promise<CommandRecord> {
    return this.send({ kind: 'resume' });
  }

  /** Ends training where it is; the trial completes with the value it has reached. */
  stop(): Promise<CommandRecord> {
    return this.send({ kind: 'stop' });
  }

  /** Changes hyperparameters from the step the trial applies this at (e.g. `{ learningRate: 0.001 }`). */
  set(params: Readonly<Record<string, number>>): Promise<CommandRecord> {
    const entries = Object.entries(params ?? {});
    if (entries.length === 0) throw new InvalidWriteError(`trial id ${this.trialId}: set needs at least one parameter`);
    for (const [name, value] of entries) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InvalidWriteError(`trial id ${this.trialId}: set "${name}" needs a finite number, got ${JSON.stringify(value)}`);
      }
    }
    return this.send({ kind: 'set', args: { params: { ...params } } });
  }

  /** Asks the trial to save a checkpoint now (kind `manual`, never dropped). */
  checkpoint(): Promise<CommandRecord> {
    return this.send({ kind: 'checkpoint' });
  }

  /** Asks the trial to load one of its own checkpoints and go on from its step. */
  async rollback(checkpointId: number): Promise<CommandRecord> {
    const cp = await this.storage.loadCheckpoint(checkpointId).catch((e: unknown) => {
      if (e instanceof RecordNotFoundError) throw new InvalidWriteError(`trial id ${this.trialId}: rollback: ${e.message}`);
      throw e;
    });
    if (cp.trialId !== this.trialId) {
      throw new InvalidWriteError(`trial id ${this.trialId}: rollback: checkpoint ${checkpointId} belongs to trial ${cp.trialNumber}; fork from it instead`);
    }
    return this.send({ kind: 'rollback', args: { checkpointId } });
  }

  /** A new trial that starts from one of this trial's checkpoints with some parameters changed. */
  fork(checkpointId: number, params: Readonly<Record<string, ParamValue>> = {}): Promise<FrozenTrial> {
    return forkTrial(this.storage, checkpointId, params);
  }

  /** Every command sent to the trial, oldest first, with what became of it. */
  history(): Promise<CommandRecord[]> {
    return this.storage.listCommands(this.trialId);
  }

  checkpoints(): Promise<CheckpointInfo[]> {
    return this.storage.listCheckpoints(this.trialId);
  }

  /**
   * Resolves when command `id` is applied or refused; rejects after
   * `timeoutMs` (default 30 s) or when the trial finishes without taking it.
   */
  async waitFor(id: number, timeoutMs = 30_000, pollMs = 100): Promise<CommandRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const command = (await this.storage.listCommands(this.trialId)).find((c) => c.id === id);
      if (!command) throw new RecordNotFoundError('command', id, this.storage.location);
      if (command.state === 'applied' || command.state === 'refused') return command;
      const trial = await this.storage.getTrial(this.trialId);
      if (trial.state !== 'running' && trial.state !== 'waiting') {
        throw new TrialFinishedError(trial.number, `${trial.state} before it took command ${id} (${command.kind})`);
      }
      if (Date.now() > deadline) throw new Error(`trial ${trial.number}: command ${id} (${command.kind}) not settled after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private send(command: NewCommand): Promise<CommandRecord> {
    return this.storage.sendCommand(this.trialId, command);
  }
}

/**
 * Enqueues a new trial in the checkpoint's study that starts from the
 * checkpoint, with the parent's parameters and `params` overriding some of
 * them. Works on a finished trial's checkpoints too.
 *
 * @example
 *   const child = await forkTrial(storage, checkpointId, { learningRate: 0.0003 });
 */
export async function forkTrial(
  storage: Storage,
  checkpointId: number,
  params: Readonly<Record<string, ParamValue>> = {},
  reason: TrialOrigin['reason'] = 'fork',
): Promise<FrozenTrial> {
  const cp = await storage.loadCheckpoint(checkpointId);
  const parent = await storage.getTrial(cp.trialId);
  for (const [name, value] of Object.entries(params)) {
    if (!(name in parent.params)) {
      const known = Object.keys(parent.params).join(', ') || 'none';
      throw new InvalidWriteError(`fork of trial ${parent.number}: it has no parameter "${name}" (it has: ${known})`);
    }
    // The fork is a trial of the same study: its values must lie in the study's space.
    if (!distributionContains(parent.distributions[name], value)) {
      throw new InvalidWriteError(
        `fork of trial ${parent.number}: ${name} = ${JSON.stringify(value)} is outside its distribution ${JSON.stringify(parent.distributions[name])}`,
      );
    }
  }
  const origin: TrialOrigin = { checkpointId, trial: parent.number, step: cp.step, reason };
  return storage.enqueueTrial(cp.studyId, {
    params: { ...parent.params, ...params },
    systemAttrs: { origin },
  });
}
