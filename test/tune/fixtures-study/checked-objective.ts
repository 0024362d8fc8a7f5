// An objective whose value is a fixed function of its parameters, so a stress
// test can recompute every stored value from the stored parameters: a value
// computed from any other draw than the one recorded shows at once.
import { Worker, workerData } from 'node:worker_threads';
import { TrialPruned, type Trial } from '../../../src/tune/trial.js';
import type { ParamValue } from '../../../src/tune/types.js';

export const COLOURS = ['red', 'green', 'blue', 'cyan', 'magenta'] as const;

/** The value a trial with these parameters must have (exact: the same operations in the same order). */
export function expectedValue(params: Readonly<Record<string, ParamValue>>): number {
  const a = params.a as number;
  const b = params.b as number;
  const c = COLOURS.indexOf(params.c as (typeof COLOURS)[number]);
  const d = params.d as number;
  return a + 1000 * b + 1e6 * c + 1e7 * Math.log(d);
}

/** Four kinds of suggest, with reports and pruning questions in between: many round trips per trial. */
export function objective(trial: Trial): number {
  const a = trial.suggestInt('a', 0, 999);
  trial.report(a, 0);
  if (trial.shouldPrune()) throw new TrialPruned();
  const b = trial.suggestFloat('b', 0, 1);
  const c = trial.suggestCategorical('c', [...COLOURS]);
  trial.report(b, 1);
  trial.shouldPrune();
  const d = trial.suggestFloat('d', 1e-4, 1, { log: true });
  // Asking again for a name already drawn returns the same value (a mispaired reply would not).
  if (trial.suggestInt('a', 0, 999) !== a) throw new Error(`trial ${trial.number}: the same name gave two values`);
  return expectedValue({ a, b, c, d });
}

let noise: Worker | undefined;

/**
 * `objective`, with a second thread that keeps waking this one's reply signal
 * (`workerData.signal`, see executor.ts) for no reason: every wait for a
 * reply returns early, as when the main thread's notify for an earlier reply
 * is delayed until the next wait. The replies must still pair up.
 */
export function noisyObjective(trial: Trial): number {
  noise ??= startNoise((workerData as { signal: Int32Array }).signal);
  return objective(trial);
}

function startNoise(signal: Int32Array): Worker {
  const code = `
    const { workerData } = require('node:worker_threads');
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (;;) { Atomics.notify(workerData, 0); Atomics.wait(pause, 0, 0, 0.02); }`;
  const w = new Worker(code, { eval: true, workerData: signal });
  w.unref();
  return w;
}

/** Every trial diverges, as a space whose learning rate reaches 1e6 makes every training run do. */
export function diverges(trial: Trial): number {
  trial.suggestFloat('learningRate', 1, 1e6, { log: true });
  throw new Error('training diverged: the loss became NaN at epoch 1, batch 2; try a smaller learning rate');
}
