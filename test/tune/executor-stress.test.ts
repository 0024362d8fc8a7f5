// The worker threads' synchronous round trips under load: thousands of trials
// in several threads while other processes keep every core busy, then every
// complete trial's value is recomputed from its recorded parameters. Before
// requests and replies carried numbers, a busy machine paired a suggest with
// the previous request's reply, and values were recorded against parameters
// they were not computed from, without a word.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStudy } from '../../src/tune/study.js';
import { RandomSampler } from '../../src/tune/samplers/index.js';
import type { Distribution, FrozenTrial, ParamValue, Sampler, StudyView } from '../../src/tune/types.js';
import { expectedValue } from './fixtures-study/checked-objective.js';

const objective = fileURLToPath(new URL('./fixtures-study/checked-objective.ts', import.meta.url));
const runner = fileURLToPath(new URL('./fixtures-study/stress-run.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'caviar-executor-stress-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `stress-run.ts` in a child process: its trials as stored. */
function stressRun(trials: number, concurrency: number, storage?: string): Promise<StressTrial[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', runner, String(trials), String(concurrency), ...(storage ? [storage] : [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as StressTrial[]) : reject(new Error(`stress run exited ${code}: ${err}`))));
  });
}

interface StressTrial {
  number: number;
  state: string;
  params: Record<string, ParamValue>;
  value: number | null;
  failReason: string | null;
}

/** One busy process per core, for the length of `work`. */
async function underLoad<T>(work: () => Promise<T>): Promise<T> {
  const burners: ChildProcess[] = Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
  try {
    return await work();
  } finally {
    for (const b of burners) b.kill('SIGKILL');
  }
}

/** Every complete trial's recorded value is what its recorded parameters give; returns the count of each state. */
function checkValues(trials: readonly { number: number; state: string; params: Readonly<Record<string, ParamValue>>; value?: number | null }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of trials) {
    counts[t.state] = (counts[t.state] ?? 0) + 1;
    if (t.state === 'complete') {
      assert.equal(t.value, expectedValue(t.params), `trial ${t.number}: value ${t.value} is not the function of its parameters ${JSON.stringify(t.params)}`);
    }
  }
  return counts;
}

test('stress: four processes of 2,000 trials in 4 worker threads each, every core loaded by other processes; every value is its parameters\' function', async (t) => {
  // Separate processes: each main thread is preempted on its own, as with several `caviar tune` or `caviar worker` at once.
  const runs = await underLoad(() =>
    Promise.all([stressRun(2000, 4), stressRun(2000, 4), stressRun(2000, 4), stressRun(2000, 4, join(dir, 'stress.db'))]),
  );
  for (const [i, trials] of runs.entries()) {
    const counts = checkValues(trials);
    t.diagnostic(`process ${i + 1}${i === 3 ? ' (SQLite)' : ''}: ${JSON.stringify(counts)}`);
    assert.equal(trials.length, 2000);
    assert.deepEqual(trials.filter((x) => x.state === 'failed').map((x) => `trial ${x.number}: ${x.failReason}`), [], 'no trial failed');
    assert.ok(counts.complete > 1000 && counts.pruned > 100, `the pruner answered both ways: ${JSON.stringify(counts)}`);
  }
});

test('a wake-up is not a reply: with another thread waking every wait for a reply, 300 trials in 3 threads all get their own answers', async () => {
  const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
  await study.optimize({ module: objective, exportName: 'noisyObjective' }, { nTrials: 300, concurrency: 3 });
  const counts = checkValues(study.trials());
  assert.deepEqual(counts, { complete: 300 }, JSON.stringify(study.trials(['failed']).slice(0, 3).map((t) => t.systemAttrs.failReason)));
});

/** Draws at random, but the first draw of trial `stallAt` blocks this thread for `stallMs`. */
class StallingSampler implements Sampler {
  readonly name = 'stalling';
  private readonly random = new RandomSampler({ seed: 3 });
  private stalled = false;
  constructor(
    private readonly stallAt: number,
    private readonly stallMs: number,
  ) {}

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, d: Distribution): ParamValue {
    if (trial.number === this.stallAt && !this.stalled) {
      this.stalled = true;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.stallMs);
    }
    return this.random.sampleIndependent(study, trial, name, d);
  }
}

test('a reply that never comes in time fails the trials that waited for it, retires their threads, and the study goes on', async () => {
  // A stall of 6 s against a 2 s reply timeout: on a busy machine the main thread may answer an ordinary
  // request late, but not 2 s late, so only the threads waiting through the stall fail.
  const study = await createStudy({ sampler: new StallingSampler(20, 6000) });
  await study.optimize({ module: objective }, { nTrials: 200, concurrency: 3, replyTimeoutMs: 2000 });
  const failed = study.trials(['failed']);
  assert.ok(failed.length >= 1 && failed.length <= 3, `one trial per waiting thread at most failed, got ${failed.length}`);
  for (const f of failed) {
    assert.match(String(f.systemAttrs.failReason), new RegExp(`^trial ${f.number}: the main thread did not answer (suggest '[abcd]'|shouldPrune) within 2000 ms; the trial cannot be trusted and its worker thread is replaced$`));
    assert.equal(f.systemAttrs.retryable, true, 'its parameters are not to blame');
  }
  assert.equal(study.trials().length, 200, 'the study went on to its budget');
  const counts = checkValues(study.trials());
  assert.equal(counts.complete, 200 - failed.length);
});

test('replyTimeoutMs is checked and belongs to worker threads', async () => {
  const study = await createStudy();
  await assert.rejects(study.optimize({ module: objective }, { nTrials: 1, replyTimeoutMs: 0 }), /replyTimeoutMs must be more than 0/);
  await assert.rejects(study.optimize({ module: objective }, { nTrials: 1, replyTimeoutMs: -5 }), /replyTimeoutMs must be a number >= 0, got -5/);
  await assert.rejects(study.optimize(() => 1, { nTrials: 1, replyTimeoutMs: 100 }), /replyTimeoutMs applies to worker threads/);
});
