/**
 * Reading a trial's learning curve: the helpers every pruner shares, and the
 * checkpoints (startup, warm-up, interval) of the pruners that compare a
 * trial with the complete trials at its step (percentile.ts, dominance.ts).
 */
import type { FrozenTrial, StudyView } from '../types.js';

/**
 * The last step a trial reported, or undefined before its first report.
 *
 * @example
 *   lastStep(trial); // 7 after trial.report(loss, 7)
 */
export function lastStep(trial: FrozenTrial): number | undefined {
  let last: number | undefined;
  for (const step of trial.intermediate.keys()) if (last === undefined || step > last) last = step;
  return last;
}

/**
 * The step a trial reported just before its last one (-1 when there is none): pruners use it to
 * tell whether the last report crossed a checkpoint.
 *
 * @example
 *   previousStep(trial); // 6 after reports at steps 5, 6, 7
 */
export function previousStep(trial: FrozenTrial): number {
  let last = -Infinity;
  let previous = -1;
  for (const step of trial.intermediate.keys()) {
    if (step > last) {
      if (last !== -Infinity) previous = Math.max(previous, last);
      last = step;
    } else {
      previous = Math.max(previous, step);
    }
  }
  return previous;
}

/**
 * The linear-interpolation percentile (numpy's default) of `values`, q in [0, 100].
 *
 * @example
 *   percentile([1, 2, 3, 4], 50); // 2.5
 */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** When a pruner that compares a trial with the complete trials at its step starts judging, and how often. */
export interface CheckpointOptions {
  /** Complete trials needed before pruning starts (default 5). */
  nStartupTrials?: number;
  /** Steps during which a trial is not pruned (default 0). */
  nWarmupSteps?: number;
  /** Steps between checks after the warm-up (default 1: every step). */
  intervalSteps?: number;
  /** Complete trials that must have reported the step for the comparison to count (default 1). */
  nMinTrials?: number;
}

/**
 * `options` with their defaults, each checked (a RangeError names the bad one).
 *
 * @example
 *   checkpointOptions({ nWarmupSteps: 3 }); // { nStartupTrials: 5, nWarmupSteps: 3, intervalSteps: 1, nMinTrials: 1 }
 */
export function checkpointOptions(options: CheckpointOptions): Required<CheckpointOptions> {
  const out = {
    nStartupTrials: options.nStartupTrials ?? 5,
    nWarmupSteps: options.nWarmupSteps ?? 0,
    intervalSteps: options.intervalSteps ?? 1,
    nMinTrials: options.nMinTrials ?? 1,
  };
  checkCount('nStartupTrials', out.nStartupTrials, 0);
  checkCount('nWarmupSteps', out.nWarmupSteps, 0);
  checkCount('intervalSteps', out.intervalSteps, 1);
  checkCount('nMinTrials', out.nMinTrials, 1);
  return out;
}

/**
 * The step at which `trial` is judged now and the complete trials to judge it against, or
 * undefined when it is not judged: before its first report, during the warm-up, before
 * `nStartupTrials` trials have completed, or between checkpoints (only the first report at or
 * after each `nWarmupSteps + k * intervalSteps` counts).
 *
 * @example
 *   const due = checkpointDue(study, trial, { nStartupTrials: 5, nWarmupSteps: 3, intervalSteps: 1, nMinTrials: 1 });
 *   if (due === undefined) return false; // compare trial's curve with due.complete at due.step
 */
export function checkpointDue(
  study: StudyView,
  trial: FrozenTrial,
  options: Required<CheckpointOptions>,
): { step: number; complete: readonly FrozenTrial[] } | undefined {
  const step = lastStep(trial);
  if (step === undefined || step < options.nWarmupSteps) return undefined;
  const complete = study.trials(['complete']);
  if (complete.length === 0 || complete.length < options.nStartupTrials) return undefined;
  const checkpoint = Math.floor((step - options.nWarmupSteps) / options.intervalSteps) * options.intervalSteps + options.nWarmupSteps;
  if (previousStep(trial) >= checkpoint) return undefined;
  return { step, complete };
}

/**
 * Throws a RangeError unless `value` is an integer >= `min` (shared by the pruners' option checks).
 *
 * @example
 *   checkCount('nWarmupSteps', -1, 0); // RangeError: nWarmupSteps must be an integer >= 0, got -1
 */
export function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}
