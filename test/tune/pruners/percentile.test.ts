import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MedianPruner } from '../../../src/tune/pruners/median.js';
import { PercentilePruner } from '../../../src/tune/pruners/percentile.js';
import { percentile } from '../../../src/tune/pruners/intermediate.js';
import { MemoryStudy } from '../helpers.js';

// Five complete trials whose losses at every step are 1, 2, 3, 4, 5 (median 3).
function studyWithCurves(direction: 'minimize' | 'maximize' = 'minimize'): MemoryStudy {
  const study = new MemoryStudy(direction);
  for (const v of [1, 2, 3, 4, 5]) study.add({ state: 'complete', value: v, intermediate: [v, v, v, v, v, v] });
  return study;
}

function running(study: MemoryStudy, values: number[]) {
  return study.add({ state: 'running', intermediate: values });
}

test('numpy-style linear percentile', () => {
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([5, 1, 3], 50), 3);
  assert.equal(percentile([1, 2, 3, 4, 5], 25), 2);
  assert.equal(percentile([10], 90), 10);
});

test('median pruner prunes a trial worse than the median at its step, and not one better', () => {
  const study = studyWithCurves();
  const pruner = new MedianPruner({ nStartupTrials: 5 });
  assert.equal(pruner.name, 'median');
  assert.equal(pruner.prune(study, running(study, [3.5])), true);
  assert.equal(pruner.prune(study, running(study, [2.5])), false);
  assert.equal(pruner.prune(study, running(study, [3])), false); // equal to the median: kept
  // The trial's best value so far counts, not its latest.
  assert.equal(pruner.prune(study, running(study, [2, 9])), false);
});

test('maximize flips the comparison', () => {
  const study = studyWithCurves('maximize');
  const pruner = new MedianPruner();
  assert.equal(pruner.prune(study, running(study, [2.5])), true);
  assert.equal(pruner.prune(study, running(study, [3.5])), false);
  // Percentile 25 keeps the best quarter when maximizing too: the bar is the 75th percentile (4).
  const p25 = new PercentilePruner(25);
  assert.equal(p25.prune(study, running(study, [3.9])), true);
  assert.equal(p25.prune(study, running(study, [4.1])), false);
});

test('percentile pruner uses its percentile: 25 keeps only the best quarter', () => {
  const study = studyWithCurves();
  const pruner = new PercentilePruner(25);
  assert.equal(pruner.prune(study, running(study, [2.5])), true); // 25th percentile is 2
  assert.equal(pruner.prune(study, running(study, [1.5])), false);
});

test('startup trials, warm-up steps and interval steps are respected', () => {
  const study = studyWithCurves();
  // Too few complete trials.
  assert.equal(new MedianPruner({ nStartupTrials: 6 }).prune(study, running(study, [100])), false);
  // Warm-up: steps 0, 1, 2 are never pruned with nWarmupSteps = 3, step 3 is.
  const warm = new MedianPruner({ nWarmupSteps: 3 });
  assert.equal(warm.prune(study, running(study, [100])), false);
  assert.equal(warm.prune(study, running(study, [100, 100, 100])), false);
  assert.equal(warm.prune(study, running(study, [100, 100, 100, 100])), true);
  // Interval 2 after warm-up 1: judged at steps 1, 3, 5 only.
  const every2 = new MedianPruner({ nWarmupSteps: 1, intervalSteps: 2 });
  const judged = [1, 2, 3, 4, 5].map((step) => every2.prune(study, running(study, new Array(step + 1).fill(100))));
  assert.deepEqual(judged, [true, false, true, false, true]);
  // A trial that reports only every few steps is judged at its first report past a checkpoint.
  const sparse = study.add({ state: 'running', intermediate: [[0, 100], [4, 100]] });
  assert.equal(every2.prune(study, sparse), true);
});

test('a diverged trial (NaN only) is pruned; steps no complete trial reached are not judged', () => {
  const study = studyWithCurves();
  assert.equal(new MedianPruner().prune(study, running(study, [NaN])), true);
  const late = study.add({ state: 'running', intermediate: [[10, 100]] });
  assert.equal(new MedianPruner().prune(study, late), false);
  assert.equal(new MedianPruner().prune(study, running(study, [])), false);
});
