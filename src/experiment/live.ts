/**
 * The panda way inside a training run: fit hooks that take a person's
 * commands from the trial's link (pause, resume, stop, change a
 * hyperparameter, checkpoint, roll back), apply them between mini-batches,
 * settle each with the step it was applied at, and record what changed in the
 * trial's `interventions` attribute so the dashboard can mark it on the curves.
 * They also save the scheduled checkpoints that roll-backs, forks and
 * population-based training start from.
 *
 * A step is training progress in epochs: 3 is the end of epoch 3, 3.5 half
 * way through epoch 4.
 */
import { Dropout } from '../nn/dropout.js';
import type { Network } from '../nn/network.js';
import { encodeCheckpoint, restoreCheckpoint } from '../train/checkpoint.js';
import type { FitControl, FitHooks } from '../train/fit.js';
import type { CommandRecord } from '../tune/storage/storage.js';
import type { Trial } from '../tune/trial.js';
import { PopulationBasedTraining } from '../tune/pbt.js';
import type { Experiment, PbtSettings } from './spec.js';

/** Hyperparameters a person may change while a trial trains. */
export const LIVE_PARAMS = ['learningRate', 'beta', 'beta1', 'beta2', 'eps', 'l2', 'batchSize', 'epochs', 'dropout'] as const;

/** One change a person made, as the trial records it (user attribute `interventions`). */
export interface Intervention {
  readonly step: number;
  readonly kind: CommandRecord['kind'];
  readonly args: Readonly<Record<string, unknown>>;
  readonly commandId: number;
  readonly message?: string;
}

export interface SteeringOptions {
  /** How often commands are looked for while training (ms). Default 500. */
  readonly pollMs?: number;
  /** Save an `auto` checkpoint every this many epochs, and at the end (0: never). Default 0. */
  readonly checkpointEvery?: number;
  /** How many `auto` checkpoints of the trial to keep. Default 2. */
  readonly keepCheckpoints?: number;
  /** Save an `auto` checkpoint after the last epoch even when `checkpointEvery` is 0 (population-based training goes on from it). */
  readonly checkpointAtEnd?: boolean;
  /** The metric to record in each checkpoint's meta, from the epoch's metrics. */
  readonly metricOf?: (m: { devAccuracy?: number; devLoss?: number }) => number | undefined;
}

/**
 * Hooks that let a person steer `trial` while it trains, plus what happened.
 *
 * @example
 *   const steering = new Steering(trial, { checkpointEvery: 1 });
 *   await model.fit(x, y, { hooks: [steering.hooks] });
 *   if (steering.stoppedAt !== undefined) console.log('a person stopped it at step', steering.stoppedAt);
 */
export class Steering {
  readonly hooks: FitHooks;
  /** The step a person stopped the run at, if they did. */
  stoppedAt: number | undefined;
  readonly interventions: Intervention[] = [];
  private paused = false;
  private lastPoll = 0;
  private readonly pollMs: number;

  constructor(
    private readonly trial: Trial,
    private readonly options: SteeringOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 500;
    this.hooks = {
      onBatchEnd: ({ epoch, batch, batches, model, control }) => {
        const now = performance.now();
        if (now - this.lastPoll < this.pollMs) return;
        this.lastPoll = now;
        return this.poll(epoch - 1 + (batch + 1) / batches, model, control);
      },
      onEpochEnd: async ({ metrics, model, control }) => {
        const every = options.checkpointEvery ?? 0;
        const last = metrics.epoch >= control.epochs;
        if ((every > 0 && (metrics.epoch % every === 0 || last)) || (last && options.checkpointAtEnd)) {
          await this.checkpoint(metrics.epoch, model, control, 'auto', this.options.metricOf?.(metrics));
        }
        this.lastPoll = performance.now();
        await this.poll(metrics.epoch, model, control);
      },
    };
  }

  /** Takes and applies pending commands; while paused, keeps taking them until resumed or stopped. */
  private async poll(step: number, model: Network, control: FitControl): Promise<void> {
    for (;;) {
      for (const command of await this.trial.live.takeCommands()) await this.apply(command, step, model, control);
      if (!this.paused) return;
      await new Promise((r) => setTimeout(r, Math.min(this.pollMs, 200)));
    }
  }

  private async apply(command: CommandRecord, step: number, model: Network, control: FitControl): Promise<void> {
    let message: string | undefined;
    try {
      message = await this.perform(command, step, model, control);
    } catch (e) {
      await this.trial.live.settleCommand(command.id, { state: 'refused', step, message: (e as Error).message });
      return;
    }
    await this.trial.live.settleCommand(command.id, { state: 'applied', step, ...(message ? { message } : {}) });
    this.interventions.push({ step, kind: command.kind, args: command.args, commandId: command.id, ...(message ? { message } : {}) });
    this.trial.setUserAttr('interventions', this.interventions);
  }

  /** Does what the command says; throws (with the reason to record) when it cannot. */
  private async perform(command: CommandRecord, step: number, model: Network, control: FitControl): Promise<string | undefined> {
    switch (command.kind) {
      case 'pause':
        if (this.paused) throw new Error('already paused');
        this.paused = true;
        return undefined;
      case 'resume':
        if (!this.paused) throw new Error('not paused');
        this.paused = false;
        return undefined;
      case 'stop':
        this.paused = false;
        this.stoppedAt = step;
        control.stop(`stopped by a person at step ${round(step)}`);
        return undefined;
      case 'set':
        return applySet(command.args.params, model, control);
      case 'checkpoint': {
        const saved = await this.checkpoint(step, model, control, 'manual');
        return `checkpoint ${saved}`;
      }
      case 'rollback': {
        const id = command.args.checkpointId;
        if (typeof id !== 'number') throw new Error('rollback needs args.checkpointId, a number');
        const cp = await this.trial.live.loadCheckpoint(id);
        if (cp.trialNumber !== this.trial.number) {
          throw new Error(`checkpoint ${id} belongs to trial ${cp.trialNumber}, not this one; fork from it instead`);
        }
        restoreCheckpoint(cp.data, model, control.optimizer, `checkpoint ${id}`);
        return `weights and optimizer state from checkpoint ${id} (step ${round(cp.step)}); hyperparameters kept`;
      }
    }
  }

  /** Saves a checkpoint of the run at `step`; returns its id. */
  private async checkpoint(step: number, model: Network, control: FitControl, kind: 'auto' | 'manual', metric?: number): Promise<number> {
    const data = encodeCheckpoint(model, control.optimizer, { step: String(step) });
    const meta = { learningRate: control.learningRate, ...(metric !== undefined && Number.isFinite(metric) ? { metric } : {}) };
    const saved = await this.trial.live.saveCheckpoint(
      { step, data, meta, kind },
      kind === 'auto' ? { keepAuto: this.options.keepCheckpoints ?? 2 } : {},
    );
    // Where a fork or the next population segment can go on from.
    this.trial.setUserAttr('lastCheckpoint', { id: saved.id, step });
    return saved.id;
  }
}

/**
 * Applies `{ name: value }` changes all at once or not at all: every name and
 * value is checked before anything changes. Returns what changed, in words.
 */
function applySet(params: unknown, model: Network, control: FitControl): string {
  if (!params || typeof params !== 'object' || Array.isArray(params) || Object.keys(params).length === 0) {
    throw new Error('set needs args.params, an object like { "learningRate": 0.001 }');
  }
  const changes = Object.entries(params as Record<string, unknown>);
  const optimizerChanges: Record<string, number> = {};
  const dropouts = model.layers.filter((l): l is Dropout => l instanceof Dropout);
  for (const [name, value] of changes) {
    if (!(LIVE_PARAMS as readonly string[]).includes(name)) {
      throw new Error(`"${name}" cannot change while training (these can: ${LIVE_PARAMS.join(', ')})`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`"${name}" needs a finite number, got ${JSON.stringify(value)}`);
    if (name === 'batchSize' && !(Number.isInteger(value) && value >= 1)) throw new Error(`batchSize must be a positive integer, got ${value}`);
    if (name === 'epochs' && !(Number.isInteger(value) && value >= 1)) throw new Error(`epochs must be a positive integer, got ${value}`);
    if (name === 'dropout') {
      if (dropouts.length === 0) throw new Error('this network has no dropout layer to change');
      if (!(value >= 0 && value < 1)) throw new Error(`dropout must be in [0, 1), got ${value}`);
    }
    if (name === 'learningRate' || name === 'beta' || name === 'beta1' || name === 'beta2' || name === 'eps') optimizerChanges[name] = value;
    if (name === 'l2') optimizerChanges.weightDecay = value;
  }
  // The optimizer checks its own names and ranges first (all or nothing), then the rest cannot fail.
  control.optimizer.adjust(optimizerChanges);
  for (const [name, value] of changes as [string, number][]) {
    if (name === 'learningRate') control.setLearningRate(value);
    if (name === 'batchSize') control.setBatchSize(value);
    if (name === 'epochs') control.setEpochs(value);
    if (name === 'dropout') for (const d of dropouts) d.rate = value;
  }
  return changes.map(([k, v]) => `${k} = ${String(v)}`).join(', ');
}

function round(step: number): string {
  return String(Math.round(step * 1000) / 1000);
}

/**
 * The population-based training scheduler of an experiment: explore perturbs
 * only what can change mid-run (never the architecture, whose weights are
 * copied, nor the epochs, which the schedule sets).
 */
export function pbtScheduler(pbt: PbtSettings, exp: Pick<Experiment, 'seed'>): PopulationBasedTraining {
  return new PopulationBasedTraining({
    ...pbt,
    seed: exp.seed,
    mutable: LIVE_PARAMS.filter((p) => p !== 'epochs'),
  });
}
