import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SuccessiveHalvingPruner, promotable } from '../../../src/tune/pruners/successive-halving.js';
import { HyperbandPruner } from '../../../src/tune/pruners/hyperband.js';
import { NopPruner } from '../../../src/tune/pruners/nop.js';
import { createPruner, PRUNER_NAMES } from '../../../src/tune/pruners/create.js';
import { MemoryStudy } from '../helpers.js';

test('promotable: the top floor(n / eta) of a rung, at least one', () => {
  assert.equal(promotable(3, [1, 2, 3, 4, 5, 6, 7, 8, 9], 3, true), true);
  assert.equal(promotable(4, [1, 2, 3, 4, 5, 6, 7, 8, 9], 3, true), false);
  assert.equal(promotable(5, [5, 9], 3, true), true); // floor(2 / 3) = 0: the best one goes on
  assert.equal(promotable(9, [5, 9], 3, true), false);
  assert.equal(promotable(7, [1, 2, 3, 4, 5, 6, 7, 8, 9], 3, false), true); // maximize: 7, 8, 9
});

test('ASHA promotes exactly the top 1/eta of a rung', () => {
  // Nine trials reach rung 0 (step 1) with losses 1..9; with eta = 3, exactly 1, 2, 3 go on.
  const study = new MemoryStudy('minimize');
  const losses = [5, 9, 1, 7, 3, 8, 2, 6, 4];
  const trials = losses.map((v) => study.add({ state: 'running', intermediate: [[0, 10], [1, v]] }));
  const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 });
  const promoted = trials.filter((t) => !pruner.prune(study, t)).map((t) => t.intermediate.get(1));
  assert.deepEqual(promoted.sort(), [1, 2, 3]);
  // eta = 2 (min resource 1): 4 of 9.
  const halving = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
  assert.equal(trials.filter((t) => !halving.prune(study, t)).length, 4);
});

test('ASHA is asynchronous: early trials are promoted against the few that came before', () => {
  const study = new MemoryStudy('minimize');
  const pruner = new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 2 });
  const first = study.add({ state: 'running', intermediate: [[0, 9], [1, 9], [2, 9]] });
  assert.equal(pruner.prune(study, first), false); // alone at rung 0: promoted
  const second = study.add({ state: 'running', intermediate: [[0, 5], [1, 5], [2, 5]] });
  assert.equal(pruner.prune(study, second), false); // top 1 of 2
  const third = study.add({ state: 'running', intermediate: [[0, 7], [1, 7], [2, 7]] });
  assert.equal(pruner.prune(study, third), true); // 7 against 9, 5: floor(3 / 2) = 1, only the best
  // Before the rung (step 1 < 2): never pruned.
  assert.equal(pruner.prune(study, study.add({ state: 'running', intermediate: [100, 100] })), false);
});

test('rungs climb by eta: a promoted trial is judged again only at the next rung', () => {
  const study = new MemoryStudy('minimize');
  const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }); // rungs at steps 1, 2, 4, 8
  study.add({ state: 'complete', value: 1, intermediate: [[1, 1], [2, 1], [4, 1]] });
  study.add({ state: 'pruned', intermediate: [[1, 6]] }); // a pruned trial keeps competing at the rung it reached
  const t = study.add({ state: 'running', intermediate: [[1, 1]] });
  const report = (step: number, value: number) => (t.intermediate as Map<number, number>).set(step, value);
  assert.equal(pruner.prune(study, t), false); // rung 0: 1 ties the best of {1, 6, 1}
  report(2, 0.5);
  assert.equal(pruner.prune(study, t), false); // rung 1: best of {1, 0.5}
  report(3, 100);
  assert.equal(pruner.prune(study, t), false); // between rungs: no decision
  report(4, 2);
  assert.equal(pruner.prune(study, t), true); // rung 2: 2 against 1, top 1 of 2
  // A different trial at rung 0 that is worse than half of it is pruned at once.
  const bad = study.add({ state: 'running', intermediate: [[1, 5]] });
  assert.equal(pruner.prune(study, bad), true);
  assert.equal(pruner.rungStep(3), 8);
});

test("minResource 'auto' waits for a complete trial and takes 1% of its steps", () => {
  const study = new MemoryStudy('minimize');
  const pruner = new SuccessiveHalvingPruner({ minResource: 'auto', reductionFactor: 2 });
  const t = study.add({ state: 'running', intermediate: Array.from({ length: 30 }, () => 100) });
  assert.equal(pruner.prune(study, t), false); // no complete trial yet
  study.add({ state: 'complete', value: 1, intermediate: Array.from({ length: 500 }, () => 1) });
  assert.equal(pruner.rungStep(0, study), 4); // floor(499 / 100)
});

test('Hyperband: brackets from aggressive to conservative, trials assigned by number on every worker alike', () => {
  const pruner = new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 });
  const study = new MemoryStudy('minimize');
  assert.equal(pruner.bracketCount(study), 5);
  const counts = [0, 0, 0, 0, 0];
  const trials = Array.from({ length: 2000 }, () => study.add({ state: 'running' }));
  for (const t of trials) counts[pruner.bracketOf(t, study)!]++;
  // Budgets ceil(5 * 3^s / (s + 1)) for s = 4..0: 81, 34, 15, 8, 5 (of 143).
  const budgets = [81, 34, 15, 8, 5];
  counts.forEach((c, i) => assert.ok(Math.abs(c / 2000 - budgets[i] / 143) < 0.04, `bracket ${i}: ${c}`));
  const again = new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 });
  for (const t of trials.slice(0, 50)) assert.equal(again.bracketOf(t, study), pruner.bracketOf(t, study));
});

test('Hyperband: a trial competes within its bracket, whose first rung is minResource * eta^bracket', () => {
  const pruner = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 });
  const study = new MemoryStudy('minimize');
  // Many trials with losses at steps 1..27; find one in bracket 0 (rung at step 1) and one in bracket 2 (rung at step 9).
  const curve = (v: number) => Array.from({ length: 28 }, (_, s) => [s, v] as [number, number]);
  for (let i = 0; i < 60; i++) study.add({ state: 'complete', value: i, intermediate: curve(i) });
  const probe = (bracket: number, steps: number, value: number) => {
    for (;;) {
      const t = study.add({ state: 'running', intermediate: curve(value).slice(0, steps + 1) });
      if (pruner.bracketOf(t, study) === bracket) return t;
    }
  };
  // A poor trial (loss 50 of 0..59) is pruned at step 1 in bracket 0...
  assert.equal(pruner.prune(study, probe(0, 1, 50)), true);
  // ... but in bracket 2 it runs untouched until step 9.
  assert.equal(pruner.prune(study, probe(2, 8, 50)), false);
  assert.equal(pruner.prune(study, probe(2, 9, 50)), true);
});

test('Hyperband with maxResource auto waits for the first complete trial', () => {
  const pruner = new HyperbandPruner({ reductionFactor: 3 });
  const study = new MemoryStudy('minimize');
  assert.equal(pruner.prune(study, study.add({ state: 'running', intermediate: [100, 100] })), false);
  study.add({ state: 'complete', value: 1, intermediate: Array.from({ length: 27 }, () => 1) });
  assert.equal(pruner.bracketCount(study), 4); // max resource 27: brackets at 1, 3, 9, 27
});

test('nop never prunes; createPruner builds by name and checks options', () => {
  const study = new MemoryStudy('minimize');
  assert.equal(new NopPruner().prune(), false);
  assert.equal(createPruner('median', { nWarmupSteps: 3 }).name, 'median');
  assert.equal(createPruner('asha', { minResource: 'auto' }).name, 'successive-halving');
  assert.equal(createPruner('hyperband', { maxResource: 'auto' }).name, 'hyperband');
  assert.equal(createPruner('percentile', { percentile: 25 }).name, 'percentile');
  assert.equal(createPruner('none').prune(study, study.add({ state: 'running', intermediate: [1] })), false);
  assert.throws(() => createPruner('medain'), {
    // The list from PRUNER_NAMES, so that a new pruner does not edit this test (ARCHITECTURE.md's count).
    message: `unknown pruner 'medain'; expected one of ${PRUNER_NAMES.join(', ')}`,
  });
  assert.throws(() => createPruner('median', { warmup: 3 }), /unknown option 'warmup' for pruner median/);
  assert.throws(() => createPruner('hyperband', { maxResource: 'big' }), /option 'maxResource' of pruner hyperband must be a number or 'auto'/);
  assert.throws(() => createPruner('percentile', {}), /needs the option 'percentile'/);
});
