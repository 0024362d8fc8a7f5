/**
 * `study.stream`: a search as an async iterator over its trials as they
 * finish. Stopping the iteration early stops the search (running trials
 * finish); an error of the search is thrown from the iterator.
 */
import type { ObjectiveModule, OptimizeOptions } from './executor.js';
import type { Objective } from './study-options.js';
import type { FrozenTrial } from './types.js';

/**
 * @example
 *   for await (const t of streamTrials((o, opts) => study.optimize(o, opts), objective, { nTrials: 20 })) console.log(t.number);
 */
export async function* streamTrials(
  optimize: (objective: Objective | ObjectiveModule, options: OptimizeOptions) => Promise<void>,
  objective: Objective | ObjectiveModule,
  options: OptimizeOptions,
): AsyncGenerator<FrozenTrial> {
  const queue: FrozenTrial[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  const abort = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
  const run = optimize(objective, {
    ...options,
    signal,
    onTrialComplete: async (t) => {
      await options.onTrialComplete?.(t);
      queue.push(t);
      wake?.();
    },
  }).then(
    () => void (done = true),
    (e) => void ((failure = e), (done = true)),
  );
  void run.finally(() => wake?.());
  try {
    for (;;) {
      if (queue.length > 0) {
        yield queue.shift()!;
        continue;
      }
      if (done) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    if (failure !== undefined) throw failure;
  } finally {
    // A consumer that stops early stops the search; running trials finish.
    abort.abort();
    await run;
  }
}
