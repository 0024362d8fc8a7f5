// Every budget ends: a study whose trials keep failing stops after
// maxConsecutiveFailures failures in a row, with the reasons, instead of
// running failed trials forever toward a count of complete ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createStudy } from '../../src/tune/study.js';
import { DEFAULT_MAX_CONSECUTIVE_FAILURES, TooManyFailuresError } from '../../src/tune/executor.js';

const fixtures = fileURLToPath(new URL('./fixtures-study/checked-objective.ts', import.meta.url));

function fails(trial: { suggestFloat: (n: string, lo: number, hi: number) => number; number: number }): number {
  trial.suggestFloat('x', 0, 1);
  throw new Error(`broken ${trial.number}`);
}

test('a budget of complete trials that every trial fails stops after 20 failures in a row, saying why', async () => {
  const study = await createStudy({ seed: 1 });
  const error = await study.optimize(fails, { untilComplete: 5 }).then(
    () => assert.fail('the search should have stopped'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof TooManyFailuresError);
  assert.equal(DEFAULT_MAX_CONSECUTIVE_FAILURES, 20);
  assert.equal(error.count, 20);
  assert.equal(error.lastTrial, 19);
  assert.equal(error.reasons.length, 20);
  assert.equal(error.reasons[0], 'the objective threw Error: broken 0');
  assert.equal(error.message, '20 trials in a row failed, so the search stopped (maxConsecutiveFailures); the last, trial 19: the objective threw Error: broken 19');
  assert.equal(study.trials().length, 20, 'no trial was claimed after the last straw');
  assert.deepEqual(study.trials(['running', 'waiting']), []);
});

test('with 3 trials at once, the running ones finish and nothing is left running or claimed unrun', async () => {
  const study = await createStudy({ seed: 1 });
  const slowFail = async (trial: Parameters<typeof fails>[0]) => {
    await new Promise((r) => setTimeout(r, 2));
    return fails(trial);
  };
  await assert.rejects(study.optimize(slowFail, { untilComplete: 5, concurrency: 3, maxConsecutiveFailures: 7 }), TooManyFailuresError);
  const all = study.trials();
  assert.ok(all.length >= 7 && all.length <= 9, `7 failures, plus at most the 2 others running then: ${all.length}`);
  assert.ok(all.every((t) => t.state === 'failed' && /^the objective threw Error: broken \d+$/.test(String(t.systemAttrs.failReason))), 'each one ran and failed on its own');
});

test('failures broken up by a success or a pruned trial never stop the search; the count starts again', async () => {
  const study = await createStudy({ seed: 1 });
  // Four failures, then one success, over and over: never 5 in a row.
  await study.optimize(
    (trial) => {
      trial.suggestFloat('x', 0, 1);
      if (trial.number % 5 !== 4) throw new Error('flaky');
      return 1;
    },
    { untilComplete: 6, maxConsecutiveFailures: 5 },
  );
  assert.equal(study.trials(['complete']).length, 6);
  assert.equal(study.trials(['failed']).length, 24);
});

test('Infinity turns the bound off (nTrials still ends the search); bad values are refused', async () => {
  const study = await createStudy({ seed: 1 });
  await study.optimize(fails, { nTrials: 30, maxConsecutiveFailures: Infinity });
  assert.equal(study.trials(['failed']).length, 30);
  for (const bad of [0, -1, 2.5, NaN]) {
    await assert.rejects(study.optimize(fails, { nTrials: 1, maxConsecutiveFailures: bad }), new RegExp(`maxConsecutiveFailures must be a whole number >= 1 \\(or Infinity\\), got ${bad}`));
  }
});

test('in worker threads too: a diverging space stops with the divergence as the reason', async () => {
  const study = await createStudy({ seed: 1 });
  const error = await study.optimize({ module: fixtures, exportName: 'diverges' }, { untilComplete: 3, concurrency: 2, maxConsecutiveFailures: 6 }).then(
    () => assert.fail('the search should have stopped'),
    (e: unknown) => e as TooManyFailuresError,
  );
  assert.ok(error instanceof TooManyFailuresError);
  assert.equal(error.count, 6);
  assert.match(error.reasons.at(-1)!, /^the objective threw Error: training diverged: the loss became NaN/);
  assert.ok(study.trials().length <= 7);
  assert.deepEqual(study.trials(['running']), []);
});
