/**
 * A timed study spends its time on trials that can finish. Two rules, both
 * about a trial's minimum epochs (the epochs before its pruner first judges
 * it; every epoch without a pruner):
 *
 * - no trial starts when less time is left than the minimum epochs take, as
 *   measured on this study's trials so far (the median seconds per epoch);
 * - a running trial stops when its next epoch would end after the deadline:
 *   past its minimum epochs it completes with what it has (its best epoch),
 *   before them it is pruned, saying the time ran out.
 *
 * So `--timeout 10m` ends in about ten minutes (plus at most one epoch of a
 * trial that misjudged), with no trial cut short before it could be compared.
 */
import type { FrozenTrial } from '../tune/types.js';
import type { FitHooks } from '../train/fit.js';
import type { TuneSettings } from './spec.js';

/**
 * The epochs a trial needs before it can be compared: the pruner's first
 * judged epoch, or all of them without a pruner.
 *
 * @example minimumEpochs({ name: 'median', options: { nWarmupSteps: 2 } }, 15); // 3
 * @example minimumEpochs({ name: 'none', options: {} }, 15); // 15
 */
export function minimumEpochs(pruner: TuneSettings['pruner'], epochs: number): number {
  const o = pruner.options;
  const number = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  let min: number;
  switch (pruner.name) {
    case 'median':
    case 'percentile':
      // These prune from the first step after their warm-up.
      min = number(o.nWarmupSteps, 0) + 1;
      break;
    case 'successive-halving':
    case 'hyperband':
      min = number(o.minResource, 1);
      break;
    default:
      min = epochs;
  }
  return Math.max(1, Math.min(epochs, Math.ceil(min)));
}

/**
 * How long a new trial needs at least: the median seconds per epoch of the
 * study's finished trials (complete or pruned, from their `curves` and
 * `trainSeconds`), times its minimum epochs; 0 before any trial finished.
 * Kept up to date one finished trial at a time (`add`), since the executor
 * asks before every claim and a study may hold many trials.
 *
 * @example
 *   const reserve = new StartReserve(3, study.trials());
 *   reserve.add(finishedTrial);
 *   reserve.ms; // 3 x the median epoch, in ms
 */
export class StartReserve {
  private readonly perEpoch: number[] = [];
  private median = 0;

  constructor(
    private readonly minEpochs: number,
    trials: Iterable<FrozenTrial> = [],
  ) {
    for (const t of trials) this.note(t);
    this.update();
  }

  /** A trial that just finished (any state; only complete and pruned ones with curves count). */
  add(trial: FrozenTrial): void {
    if (this.note(trial)) this.update();
  }

  get ms(): number {
    return this.median * this.minEpochs * 1000;
  }

  private note(t: FrozenTrial): boolean {
    if (t.state !== 'complete' && t.state !== 'pruned') return false;
    const seconds = t.userAttrs.trainSeconds;
    const curves = t.userAttrs.curves;
    if (typeof seconds !== 'number' || !Array.isArray(curves) || curves.length === 0) return false;
    this.perEpoch.push(seconds / curves.length);
    return true;
  }

  private update(): void {
    const s = [...this.perEpoch].sort((a, b) => a - b);
    const mid = s.length >> 1;
    this.median = s.length === 0 ? 0 : s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  }
}

/**
 * `StartReserve` of a list of trials, at once.
 *
 * @example startReserveMs(study.trials(), 3); // 3 x the median epoch, in ms
 */
export function startReserveMs(trials: readonly FrozenTrial[], minEpochs: number): number {
  return new StartReserve(minEpochs, trials).ms;
}

/**
 * A fit hook that stops training when the next epoch, as long as the last
 * one, would end after `deadline` (ms since the epoch, `Date.now()`'s clock).
 * `cut` then says whether the run stopped for it, and `short` whether it had
 * not reached `minEpochs` yet.
 *
 * @example
 *   const clock = new DeadlineStop(args.deadline, 3);
 *   await trainRun(settings, data, seed, [clock.hooks]);
 *   if (clock.short) throw new TrialPruned(clock.reason);
 */
export class DeadlineStop {
  reason: string | undefined;
  /** Stopped before `minEpochs`. */
  short = false;

  constructor(
    private readonly deadline: number,
    private readonly minEpochs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get cut(): boolean {
    return this.reason !== undefined;
  }

  readonly hooks: FitHooks = {
    onEpochEnd: ({ metrics, control }) => {
      if (metrics.epoch >= control.epochs) return; // the last epoch: nothing more to cut
      // A diverged epoch has already stopped the run, and must fail the trial as divergence, not complete it as cut.
      if (!Number.isFinite(metrics.loss)) return;
      if (this.now() + metrics.seconds * 1000 <= this.deadline) return;
      this.short = metrics.epoch < this.minEpochs;
      this.reason = this.short
        ? `the time budget ran out at epoch ${metrics.epoch}, before the ${this.minEpochs} epochs a trial needs to be compared`
        : `the time budget ran out: stopped after epoch ${metrics.epoch} of ${control.epochs}`;
      control.stop(this.reason);
    },
  };
}
