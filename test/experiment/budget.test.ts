// A timed study spends its time on trials that can finish: the minimum epochs
// of a trial, the time a new one needs, and the stop at the deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaviar } from '../helpers/cli.js';
import { loadStudy } from '../../src/tune/study.js';
import { DeadlineStop, minimumEpochs, StartReserve, startReserveMs } from '../../src/experiment/budget.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import { createStudy } from '../../src/tune/study.js';
import { RandomSampler } from '../../src/tune/samplers/index.js';
import type { FitControl, EpochMetrics } from '../../src/train/fit.js';
import type { FrozenTrial } from '../../src/tune/types.js';

test('minimumEpochs: the first epoch a pruner judges, or every epoch without one', () => {
  assert.equal(minimumEpochs({ name: 'median', options: {} }, 15), 1);
  assert.equal(minimumEpochs({ name: 'median', options: { nWarmupSteps: 2 } }, 15), 3);
  assert.equal(minimumEpochs({ name: 'percentile', options: { nWarmupSteps: 4, percentile: 25 } }, 15), 5);
  assert.equal(minimumEpochs({ name: 'successive-halving', options: { minResource: 3 } }, 15), 3);
  assert.equal(minimumEpochs({ name: 'successive-halving', options: { minResource: 'auto' } }, 15), 1);
  assert.equal(minimumEpochs({ name: 'hyperband', options: {} }, 15), 1);
  assert.equal(minimumEpochs({ name: 'none', options: {} }, 15), 15);
  assert.equal(minimumEpochs({ name: 'nop', options: {} }, 7), 7);
  assert.equal(minimumEpochs({ name: 'median', options: { nWarmupSteps: 40 } }, 15), 15, 'never more than the epochs');
});

const finished = (state: FrozenTrial['state'], seconds: number, epochs: number): FrozenTrial =>
  ({ state, userAttrs: { trainSeconds: seconds, curves: Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1 })) } }) as unknown as FrozenTrial;

test('startReserveMs: the median seconds per epoch of finished trials (complete or pruned), times the minimum epochs', () => {
  assert.equal(startReserveMs([], 3), 0, 'nothing measured yet: start');
  const trials = [
    finished('complete', 10, 5), // 2 s an epoch
    finished('pruned', 4, 1), // 4 s
    finished('complete', 30, 3), // 10 s
    finished('failed', 100, 1), // not counted
    { state: 'running', userAttrs: {} } as unknown as FrozenTrial,
  ];
  assert.equal(startReserveMs(trials, 3), 4 * 3 * 1000);
  assert.equal(startReserveMs(trials.slice(0, 2), 1), 3 * 1000, 'an even count: the mean of the middle two');
  // Kept up to date trial by trial: the same answers as from the whole list.
  const reserve = new StartReserve(3);
  assert.equal(reserve.ms, 0);
  for (const t of trials) reserve.add(t);
  assert.equal(reserve.ms, 4 * 3 * 1000);
  reserve.add(finished('complete', 40, 2)); // 20 s: the median of 2, 4, 10, 20 is 7
  assert.equal(reserve.ms, 7 * 3 * 1000);
});

function epochEnd(clock: DeadlineStop, epoch: number, seconds: number, epochs = 10, loss = 0.5): string | undefined {
  let stopped: string | undefined;
  const control = { epochs, stop: (reason: string) => (stopped = reason) } as unknown as FitControl;
  clock.hooks.onEpochEnd!({ metrics: { epoch, seconds, loss } as EpochMetrics, control, history: { epochs: [] }, model: undefined as never });
  return stopped;
}

test('DeadlineStop stops when the next epoch would end after the deadline; before the minimum epochs it says the trial is short', () => {
  let now = 0;
  const clock = new DeadlineStop(10_000, 3, () => now);
  now = 2_000;
  assert.equal(epochEnd(clock, 1, 2), undefined, '2 s + 2 s <= 10 s');
  now = 8_000;
  assert.equal(epochEnd(clock, 4, 2), undefined, 'exactly at the deadline is in time');
  now = 8_001;
  assert.match(epochEnd(clock, 5, 2)!, /^the time budget ran out: stopped after epoch 5 of 10$/);
  assert.equal(clock.cut, true);
  assert.equal(clock.short, false);

  const early = new DeadlineStop(10_000, 3, () => 9_000);
  assert.match(epochEnd(early, 2, 2)!, /ran out at epoch 2, before the 3 epochs a trial needs to be compared/);
  assert.equal(early.short, true);

  // A diverged epoch is the divergence's to report: the clock does not turn it into a cut (and a completed trial).
  const diverged = new DeadlineStop(10_000, 3, () => 9_999);
  assert.equal(epochEnd(diverged, 5, 2, 10, NaN), undefined);
  assert.equal(diverged.cut, false);

  const lastEpoch = new DeadlineStop(10_000, 3, () => 9_999);
  assert.equal(epochEnd(lastEpoch, 10, 5), undefined, 'the last epoch: nothing left to cut');
  assert.equal(lastEpoch.cut, false);
});

test('optimize with timeoutMs starts no trial when less time is left than startReserveMs asks', async () => {
  const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
  let asked = 0;
  await study.optimize((t) => t.suggestFloat('x', 0, 1), { timeoutMs: 60_000, nTrials: 5, startReserveMs: () => (asked++, 120_000) });
  assert.equal(study.trials().length, 0, 'a trial needing 2 minutes never starts in 1');
  assert.ok(asked > 0);
  await study.optimize((t) => t.suggestFloat('x', 0, 1), { timeoutMs: 60_000, nTrials: 5, startReserveMs: () => 1_000 });
  assert.equal(study.trials().length, 5);
  // Without a timeout there is no deadline to keep: the reserve is not asked.
  await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2, startReserveMs: () => { throw new Error('asked without a deadline'); } });
  assert.equal(study.trials().length, 7);
});

test('caviar tune --timeout: trials stop by the deadline, keeping their best epoch, instead of running all their epochs', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-budget-'));
  try {
    const file = join(dir, 'slow.yaml');
    // 1,000 epochs of 15,000 examples through 256-unit layers: about 6 TFLOP, far more than 2 s on any machine
    // (200 epochs of a smaller net took just 2 s on an idle AVX-512 core).
    writeFileSync(file, [
      'name: slow', 'data: { source: spirals, classes: 3, perClass: 5000 }', 'model: { hidden: [256, 256] }',
      'train: { epochs: 1000, batchSize: 64 }', `output: ${join(dir, 'out')}`,
      'tune: { trials: 5, sampler: random, pruner: median, space: { learningRate: { type: float, low: 1e-3, high: 1e-2, scale: log } } }',
    ].join('\n'));
    const r = await runCaviar(['tune', file, '--timeout', '2s']);
    const study = await loadStudy({ name: 'slow', storage: join(dir, 'out', 'study.db') });
    try {
      const trials = study.trials();
      assert.ok(trials.length >= 1, r.err);
      for (const t of trials) {
        const epochs = (t.userAttrs.curves as unknown[]).length;
        assert.ok(epochs < 1000, `trial ${t.number} ran ${epochs} epochs`);
        if (t.state === 'complete') {
          assert.match(String(t.userAttrs.stopReason), /^the time budget ran out: stopped after epoch \d+ of 1000$/);
          assert.equal(t.value, Math.max(...(t.userAttrs.curves as { devAccuracy: number }[]).map((c) => c.devAccuracy)), 'its best epoch');
        } else {
          // The only other way the deadline ends a trial: before the first epoch the median pruner judges (under heavy load).
          assert.equal(t.state, 'pruned', `trial ${t.number}: ${t.state}`);
        }
      }
      assert.equal(r.code, trials.some((t) => t.state === 'complete') ? 0 : 1, r.err);
    } finally {
      await study.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a timed study that names no pruner prunes by successive halving: tune.timeout or --timeout; a named pruner, several objectives or pbt keep theirs', async () => {
  const base = { data: { source: 'spirals' }, tune: { space: { learningRate: { type: 'float', low: 1e-3, high: 1e-1, scale: 'log' } } } };
  const pruner = (tune: object) => parseExperiment({ ...base, tune: { ...base.tune, ...tune } }, 'exp.yaml').tune!.pruner.name;
  assert.equal(pruner({}), 'median');
  assert.equal(pruner({ timeout: '10m' }), 'successive-halving');
  assert.equal(pruner({ timeout: '10m', pruner: 'median' }), 'median');
  assert.equal(pruner({ timeout: '10m', objectives: ['devAccuracy', 'paramCount'] }), 'dominance');
  assert.equal(pruner({ timeout: '10m', pbt: { population: 2, generations: 2, interval: 1 } }), 'none');

  const dir = mkdtempSync(join(tmpdir(), 'caviar-budget-pruner-'));
  try {
    const file = join(dir, 'timed.yaml');
    const lines = ['name: timed', 'data: { source: spirals, classes: 2, perClass: 40 }', 'model: { hidden: [8] }', 'train: { epochs: 2, batchSize: 16 }', `output: ${join(dir, 'out')}`];
    writeFileSync(file, [...lines, 'tune: { trials: 2, sampler: random }'].join('\n'));
    const started = async (args: string[], study: string) => {
      const r = await runCaviar(['tune', file, '--study', study, '--json', ...args]);
      assert.equal(r.code, 0, r.err);
      const start = r.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; pruner?: string }).find((e) => e.type === 'start')!;
      const s = await loadStudy({ name: study, storage: join(dir, 'out', 'study.db') });
      const recorded = ((s.data as { experiment: { tune: { pruner?: unknown } } }).experiment.tune.pruner);
      await s.close();
      return { pruner: start.pruner, recorded };
    };
    assert.deepEqual(await started([], 'untimed'), { pruner: 'median', recorded: undefined });
    // --timeout: the study records the pruner it used, so that its workers (caviar worker reads the record) prune alike.
    assert.deepEqual(await started(['--timeout', '5m'], 'timed'), { pruner: 'successive-halving', recorded: 'successive-halving' });
    writeFileSync(file, [...lines, 'tune: { trials: 2, sampler: random, pruner: median }'].join('\n'));
    assert.deepEqual(await started(['--timeout', '5m'], 'named'), { pruner: 'median', recorded: 'median' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
