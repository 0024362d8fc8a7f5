/**
 * Why a tuning run's trials keep failing, in one line a person can act on:
 * the search stops after `tune.maxConsecutiveFailures` failures in a row
 * (see `TooManyFailuresError`), and the command says what the failures have
 * in common rather than leaving the user to read them trial by trial.
 */
import type { TooManyFailuresError } from '../tune/executor.js';

/** Failure reasons that mean the training itself blew up. */
const DIVERGED = /training diverged|loss became (NaN|-?Infinity)/;
/** Failure reasons that mean the process or thread running the trial died, not the training. */
const CRASHED = /worker thread (crashed|exited)|ERR_WORKER_OUT_OF_MEMORY|out of memory|did not answer/i;

/**
 * The likely cause behind failures in a row, from their reasons.
 *
 * @example
 *   likelyCause(['the objective threw Error: training diverged: the loss became NaN at epoch 1, batch 2; try a smaller learning rate']);
 *   // 'every trial diverged (NaN loss): the learning rate may be too high; lower the top of tune.space.learningRate'
 */
export function likelyCause(reasons: readonly string[]): string {
  if (reasons.length === 0) return 'no reason was recorded';
  if (reasons.every((r) => DIVERGED.test(r))) {
    const losses = new Set(reasons.map((r) => /loss became (\S+?)[ ,;]/.exec(r)?.[1] ?? 'NaN'));
    return `every trial diverged (${[...losses].join(' or ')} loss): the learning rate may be too high; lower the top of tune.space.learningRate`;
  }
  if (reasons.every((r) => CRASHED.test(r))) {
    return `the threads running the trials kept dying (${strip(reasons.at(-1)!)}); the model or batch may not fit in memory: try fewer workers or smaller layers`;
  }
  const distinct = new Set(reasons.map(strip));
  if (distinct.size === 1) return `every trial failed the same way: ${[...distinct][0]}`;
  return `the last one: ${strip(reasons.at(-1)!)}`;
}

/**
 * The line a command prints when a search stops on failures.
 *
 * @example failureLine(error) // 'Stopped: 20 trials in a row failed: every trial diverged (NaN loss): ...'
 */
export function failureLine(error: TooManyFailuresError): string {
  return `Stopped: ${error.count} trials in a row failed (tune.maxConsecutiveFailures): ${likelyCause(error.reasons)}`;
}

/** A reason without the executor's wrapping ("the objective threw Error: "), so the cause reads first. */
function strip(reason: string): string {
  return reason.replace(/^the objective threw (\w*Error: )?/, '');
}
