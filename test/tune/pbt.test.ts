import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PopulationBasedTraining, pbtSegment } from '../../src/tune/pbt.js';
import { categorical, floatParam, intParam } from '../../src/tune/space/distributions.js';
import { MemoryStorage } from '../../src/tune/storage/memory.js';
import { createStudy } from '../../src/tune/study.js';
import type { Distribution, FrozenTrial, StudyView } from '../../src/tune/types.js';
import { pbtScheduler } from '../../src/experiment/live.js';
import { parseExperiment } from '../../src/experiment/spec.js';

const lr = floatParam(1e-4, 1e-1, { scale: 'log' });
const beta = floatParam(0.9, 0.999, { scale: 'oneMinusBeta' });

function segment(number: number, member: number, generation: number, state: FrozenTrial['state'], value?: number, checkpoint?: number): FrozenTrial {
  return {
    id: number + 1, number, state, params: { lr: 0.01, beta: 0.99 }, distributions: { lr, beta } as Record<string, Distribution>,
    intermediate: new Map(), userAttrs: checkpoint === undefined ? {} : { lastCheckpoint: { id: checkpoint, step: (generation + 1) * 2 } },
    systemAttrs: { pbt: { member, generation, untilStep: (generation + 1) * 2 } }, ...(value !== undefined ? { value } : {}),
  };
}
const view = (trials: FrozenTrial[]): StudyView => ({
  direction: 'maximize', trials: (states?: readonly string[]) => (states ? trials.filter((t) => states.includes(t.state)) : trials),
}) as unknown as StudyView;

test('pbt plans the first generation, then the bottom quantile exploits the top and the rest continue', () => {
  const pbt = new PopulationBasedTraining({ population: 4, generations: 2, interval: 2, quantile: 0.25, seed: 1 });
  const first = pbt.plan(view([]));
  assert.equal(first.then, 'claim');
  assert.deepEqual(first.enqueue.map((e) => e.systemAttrs?.pbt), [0, 1, 2, 3].map((member) => ({ member, generation: 0, untilStep: 2 })));

  // Two members done, two running: the worst of the two done cannot be ranked against a full population yet, so it continues.
  const partial = pbt.plan(view([segment(0, 0, 0, 'complete', 0.9, 10), segment(1, 1, 0, 'complete', 0.5, 11), segment(2, 2, 0, 'running'), segment(3, 3, 0, 'running')]));
  assert.deepEqual(partial.enqueue.map((e) => [e.systemAttrs?.pbt, (e.systemAttrs?.origin as { reason: string }).reason]), [
    [{ member: 0, generation: 1, untilStep: 4 }, 'continue'],
    [{ member: 1, generation: 1, untilStep: 4 }, 'continue'],
  ]);

  const all = [segment(0, 0, 0, 'complete', 0.9, 10), segment(1, 1, 0, 'complete', 0.5, 11), segment(2, 2, 0, 'complete', 0.7, 12), segment(3, 3, 0, 'complete', 0.6, 13)];
  const plan = pbt.plan(view(all));
  const byMember = new Map(plan.enqueue.map((e) => [(e.systemAttrs!.pbt as { member: number }).member, e]));
  const worst = byMember.get(1)!;
  assert.deepEqual(worst.systemAttrs!.origin, { checkpointId: 10, trial: 0, step: 2, reason: 'exploit' }, 'the worst copies the best');
  assert.notDeepEqual(worst.params, all[0].params, 'and perturbs its values');
  assert.deepEqual(byMember.get(2)!.systemAttrs!.origin, { checkpointId: 12, trial: 2, step: 2, reason: 'continue' });
  assert.deepEqual(byMember.get(2)!.params, all[2].params);

  const last = all.map((_, i) => segment(4 + i, i, 1, 'complete', 0.9, 20 + i));
  assert.deepEqual(pbt.plan(view([...all, ...last])), { enqueue: [], then: 'done' });
  assert.equal(pbt.plan(view([...all, ...last.slice(0, 3), segment(7, 3, 1, 'running')])).then, 'wait');
});

test('explore perturbs each value on its own scale and stays within bounds', () => {
  const pbt = new PopulationBasedTraining({ seed: 5, resampleProbability: 0 });
  for (let i = 0; i < 50; i++) {
    const v = pbt.perturb(lr, 0.01) as number;
    assert.ok(Math.abs(v - 0.008) < 1e-12 || Math.abs(v - 0.012) < 1e-12, `lr 0.01 x 0.8 or 1.2, got ${v}`);
    const b = pbt.perturb(beta, 0.99) as number;
    assert.ok(Math.abs(b - (1 - 0.008)) < 1e-12 || Math.abs(b - (1 - 0.012)) < 1e-12, `1 - beta scaled, got ${b}`);
    const n = pbt.perturb(intParam(1, 5), 2) as number;
    assert.ok(n === 1 || n === 3, `a small integer still moves by one, got ${n}`);
    assert.ok(['a', 'b'].includes(pbt.perturb(categorical(['a', 'b']), 'a') as string));
  }
  assert.ok((pbt.perturb(lr, 0.1) as number) <= 0.1, 'clipped at the upper bound');
});

test('an experiment with tune.pbt runs population x generations trials whose lineage goes through checkpoints', async () => {
  const raw = {
    name: 'pbt', seed: 2,
    data: { source: 'spirals', classes: 3, perClass: 80, dev: 0.2, test: 0.2 },
    model: { hidden: [16], batchNorm: true },
    train: { epochs: 50, batchSize: 32, optimizer: 'adam' },
    tune: { sampler: 'random', pbt: { population: 4, generations: 3, interval: 2 }, space: { learningRate: { type: 'float', low: 1e-3, high: 0.1, scale: 'log' } } },
    output: mkdtempSync(join(tmpdir(), 'caviar-pbt-')),
  };
  const exp = parseExperiment(raw, 'pbt.yaml');
  assert.equal(exp.tune!.trials, 12);
  assert.equal(exp.tune!.pruner.name, 'none');
  assert.throws(() => parseExperiment({ ...raw, tune: { ...raw.tune, trials: 5 } }, 'pbt.yaml'), /tune\.trials: with pbt, the trials are population x generations = 12/);

  const storage = new MemoryStorage();
  const study = await createStudy({ name: 'pbt', storage, direction: 'maximize', seed: 1, scheduler: pbtScheduler(exp.tune!.pbt!, exp) });
  const module = fileURLToPath(new URL('../../src/experiment/objective.ts', import.meta.url));
  await study.optimize({ module, exportName: 'objective', args: { raw, source: 'pbt.yaml', study: { name: 'pbt', uid: 'pbt00001' } } }, { concurrency: 2, untilComplete: 12 });
  const trials = study.trials();
  assert.equal(trials.length, 12);
  assert.ok(trials.every((t) => t.state === 'complete'), trials.map((t) => `${t.number}: ${t.state} ${t.systemAttrs.failReason ?? ''}`).join('; '));
  for (const t of trials) {
    const s = pbtSegment(t)!;
    const curves = t.userAttrs.curves as { epoch: number }[];
    // Each segment trains exactly its two epochs, numbered from where its checkpoint left off.
    const from = s.generation === 0 ? 0 : (t.systemAttrs.origin as { step: number }).step;
    assert.deepEqual(curves.map((c) => c.epoch), [from + 1, from + 2], `trial ${t.number}`);
    assert.equal(s.untilStep, from + 2);
    assert.equal((t.userAttrs.lastCheckpoint as { step: number }).step, from + 2);
    if (s.generation > 0) {
      const origin = t.systemAttrs.origin as { trial: number; reason: string };
      const parent = pbtSegment(trials[origin.trial])!;
      if (origin.reason === 'continue') assert.deepEqual([parent.member, parent.generation], [s.member, s.generation - 1]);
      else assert.notEqual(parent.member, s.member);
    }
  }
  await study.close();

  // One trial at a time, the order is fixed: the last member of generation 0 is ranked against a full
  // population, and from generation 1 on every member is; the bottom half copies the top half.
  const serial = await createStudy({
    name: 'pbt-serial', storage, direction: 'maximize', seed: 1,
    scheduler: pbtScheduler({ ...exp.tune!.pbt!, quantile: 0.5 }, exp),
  });
  const { experimentObjective } = await import('../../src/experiment/objective.js');
  await serial.optimize((trial) => experimentObjective(trial, { raw, source: 'pbt.yaml', study: { name: 'pbt-serial', uid: 'pbt00002' } }), { untilComplete: 12 });
  const reasons = serial.trials().map((t) => (t.systemAttrs.origin as { reason?: string } | undefined)?.reason ?? 'fresh');
  assert.equal(reasons.filter((r) => r === 'fresh').length, 4);
  assert.ok(reasons.filter((r) => r === 'exploit').length >= 1, reasons.join(', '));
  await serial.close();
});

test('a search stopped (Ctrl-C) while a slot waits for the population plan claims nothing more', async () => {
  const study = await createStudy({ name: 'pbt-abort', storage: new MemoryStorage(), direction: 'maximize', scheduler: new PopulationBasedTraining({ population: 1, generations: 3, interval: 1 }) });
  const ac = new AbortController();
  await study.optimize(
    async (trial) => {
      // The other slot waits for this member's segment to end; the search is stopped meanwhile.
      await new Promise((r) => setTimeout(r, 300));
      ac.abort();
      trial.setUserAttr('lastCheckpoint', { id: 1, step: 1 });
      return 0.5;
    },
    { concurrency: 2, untilComplete: 3, signal: ac.signal },
  );
  assert.deepEqual(study.trials().map((t) => [t.number, t.state]), [[0, 'complete']]);
  await study.close();
});
