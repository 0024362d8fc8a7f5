// Objectives that executor.test.ts runs in worker threads, one export each.
import { threadId } from 'node:worker_threads';
import { TrialPruned, type Trial } from '../../../src/tune/trial.js';

/** Blocks the thread, as a training step does (a worker's event loop is not needed). */
function busy(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function objective(trial: Trial): number {
  const x = trial.suggestFloat('x', -10, 10);
  const again = trial.suggestFloat('x', -10, 10);
  if (again !== x) throw new Error('the same name gave two values');
  const units = trial.suggestInt('units', 1, 4);
  trial.setUserAttr('thread', threadId);
  for (let step = 0; step < 3; step++) trial.report((x - 2) ** 2 + 1 / (step + 1), step);
  return (x - 2) ** 2 + units;
}

export function slow(trial: Trial): number {
  const start = Date.now();
  busy(250);
  trial.setUserAttr('span', [start, Date.now()]);
  trial.setUserAttr('thread', threadId);
  return trial.suggestFloat('x', 0, 1);
}

export async function crashOnTrialOne(trial: Trial): Promise<number> {
  if (trial.number === 1) process.exit(3);
  if (trial.number === 2) {
    // An error nobody catches, thrown outside the objective's own promise chain.
    await new Promise(() => setImmediate(() => {
      throw new Error('uncaught in the worker');
    }));
  }
  return trial.suggestFloat('x', 0, 1);
}

export async function pruneLoud(trial: Trial): Promise<number> {
  const slope = trial.suggestCategorical('slope', [1, 10]);
  for (let step = 0; step < 5; step++) {
    trial.report(slope * step, step);
    if (trial.shouldPrune()) throw new TrialPruned();
  }
  return slope;
}

export function misbehaves(trial: Trial): unknown {
  if (trial.number === 0) throw new RangeError('diverged');
  if (trial.number === 1) return 'not a number';
  if (trial.number === 2) return NaN;
  if (trial.number === 3) trial.suggestCategorical('x', ['a']); // conflicts with nothing yet
  if (trial.number === 4) trial.suggestFloat('x', 0, 1); // conflicts with trial 3's categorical
  return 1;
}

export default function (trial: Trial): number {
  return trial.suggestInt('n', 0, 9);
}

export function withArgs(trial: Trial, args: { offset: number; label: string }): number {
  trial.setUserAttr('label', args.label);
  return trial.suggestFloat('x', 0, 1) + args.offset;
}

export const notAFunction = 42;

/** Two objectives (error and size) and one constraint, for a multi-objective study run in worker threads. */
export function twoObjectives(trial: Trial): number[] {
  const x = trial.suggestFloat('x', 0, 1);
  trial.report([x, 1 - x], 0);
  trial.setConstraint([x - 0.8]);
  return [x * x, (1 - x) ** 2];
}
