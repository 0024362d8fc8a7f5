import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DominancePruner } from '../../../src/tune/pruners/dominance.js';
import { MedianPruner } from '../../../src/tune/pruners/median.js';
import { PercentilePruner } from '../../../src/tune/pruners/percentile.js';
import { createPruner } from '../../../src/tune/pruners/create.js';
import { Rng } from '../../../src/util/rng.js';
import { VectorStudy } from '../multi/study.js';

test('one objective: the same answers as MedianPruner and PercentilePruner on 3,000 random cases', () => {
  const rng = new Rng(17);
  let pruned = 0;
  for (let rep = 0; rep < 3000; rep++) {
    const direction = rep % 2 === 0 ? 'minimize' : 'maximize';
    const study = new VectorStudy([direction]);
    const steps = 1 + rng.int(4);
    // Small integers make ties (equal to the median, equal to each other) common.
    const value = () => (rng.uniform() < 0.03 ? NaN : rng.int(8));
    const nComplete = rng.int(9);
    for (let i = 0; i < nComplete; i++) {
      const reported = 1 + rng.int(steps); // some complete trials stopped reporting early
      study.add({ state: 'complete', values: [rng.int(8)], vectors: Array.from({ length: reported }, () => [value()]) });
    }
    const trial = study.add({ state: 'running', vectors: Array.from({ length: steps }, () => [value()]) });
    const options = { nStartupTrials: rng.int(4), nWarmupSteps: rng.int(2), intervalSteps: 1 + rng.int(2), nMinTrials: 1 + rng.int(3) };
    const median = new MedianPruner(options).prune(study, trial);
    assert.equal(new DominancePruner(options).prune(study, trial), median, `case ${rep} (${direction})`);
    const q = [10, 25, 75][rep % 3];
    assert.equal(new DominancePruner({ ...options, fraction: q / 100 }).prune(study, trial), new PercentilePruner(q, options).prune(study, trial), `case ${rep}, percentile ${q}`);
    if (median) pruned++;
  }
  assert.ok(pruned > 150 && pruned < 2850, `pruned ${pruned} of 3000: both outcomes are exercised`);
});

// Five complete trials reporting accuracy (maximize) and size (minimize) at steps 0-2.
function twoObjectiveStudy(): VectorStudy {
  const study = new VectorStudy(['maximize', 'minimize']);
  for (const v of [[0.9, 10], [0.8, 20], [0.85, 15], [0.7, 30], [0.95, 40]]) study.add({ state: 'complete', values: v, vectors: [v, v, v] });
  return study;
}

test('two objectives: pruned when at least half the complete trials dominate it at its step', () => {
  const study = twoObjectiveStudy();
  const pruner = new DominancePruner({ nStartupTrials: 5 });
  const running = (vectors: number[][]) => study.add({ state: 'running', vectors });
  // [0.75, 35] is dominated by [0.9, 10], [0.8, 20] and [0.85, 15]: 3 of 5 (position 2, so 3 are needed).
  assert.equal(pruner.prune(study, running([[0.75, 35]])), true);
  // [0.82, 25] is dominated by [0.9, 10] and [0.85, 15] only.
  assert.equal(pruner.prune(study, running([[0.82, 25]])), false);
  // On the front (nothing dominates it): kept, however poor each objective is on its own.
  assert.equal(pruner.prune(study, running([[0.99, 100]])), false);
  // The trial's best so far in each objective counts: 0.88 at step 0 and size 12 at step 1 make [0.88, 12].
  assert.equal(pruner.prune(study, running([[0.88, 50], [0.5, 12]])), false);
  // minDominating: a count instead of a share.
  assert.equal(new DominancePruner({ minDominating: 2 }).prune(study, running([[0.82, 25]])), true);
  assert.equal(new DominancePruner({ minDominating: 3 }).prune(study, running([[0.82, 25]])), false);
  // [0.92, 45] has one dominator, [0.95, 40]. Fraction 0.1: position 0.4, between the first two ranks; the point
  // 0.4 of the way from [0.95, 40] to the others' best corner [0.9, 10] is [0.93, 28], which dominates it: pruned.
  // Fraction 0.2: position 0.8, the point is [0.91, 16], which does not: kept.
  assert.equal(new DominancePruner({ fraction: 0.1 }).prune(study, running([[0.92, 45]])), true);
  assert.equal(new DominancePruner({ fraction: 0.2 }).prune(study, running([[0.92, 45]])), false);
});

test('two objectives: warm-up, startup, a step no complete trial reached, divergence', () => {
  const study = twoObjectiveStudy();
  const bad = [0.1, 99];
  assert.equal(new DominancePruner({ nWarmupSteps: 1 }).prune(study, study.add({ state: 'running', vectors: [bad] })), false);
  assert.equal(new DominancePruner({ nWarmupSteps: 1 }).prune(study, study.add({ state: 'running', vectors: [bad, bad] })), true);
  assert.equal(new DominancePruner({ nStartupTrials: 6 }).prune(study, study.add({ state: 'running', vectors: [bad] })), false);
  assert.equal(new DominancePruner().prune(study, study.add({ state: 'running', vectors: [bad, bad, bad, bad] })), false, 'no complete trial reported step 3');
  assert.equal(new DominancePruner().prune(study, study.add({ state: 'running', vectors: [[NaN, 5]] })), true);
  assert.equal(new DominancePruner().prune(study, study.add({ state: 'running', vectors: [] })), false);
});

test('by name, with its options checked', () => {
  const pruner = createPruner('dominance', { nWarmupSteps: 2, fraction: 0.3 }) as DominancePruner;
  assert.equal(pruner.name, 'dominance');
  assert.equal(pruner.fraction, 0.3);
  assert.equal(pruner.nWarmupSteps, 2);
  assert.throws(() => createPruner('dominance', { percentile: 3 }), /unknown option 'percentile' for pruner dominance/);
  assert.throws(() => new DominancePruner({ fraction: 2 }), /fraction must be in \[0, 1\], got 2/);
  assert.throws(() => new DominancePruner({ minDominating: 0 }), /minDominating must be an integer >= 1, got 0/);
});
