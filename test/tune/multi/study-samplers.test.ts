// The multi-objective samplers and the dominance pruner through the real Study (createStudy({ directions })).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStudy } from '../../../src/tune/study.js';
import { TrialPruned } from '../../../src/tune/trial.js';
import { Nsga2Sampler } from '../../../src/tune/samplers/nsga2/sampler.js';
import { TpeSampler } from '../../../src/tune/samplers/tpe/sampler.js';
import { RandomSampler } from '../../../src/tune/samplers/random.js';
import { DominancePruner } from '../../../src/tune/pruners/dominance.js';
import { studyHypervolume } from '../../../src/tune/multi/hypervolume.js';
import type { Sampler } from '../../../src/tune/types.js';

// ZDT1 in 6 dimensions, accuracy-like first objective maximized: (1 - f1, f2).
async function zdt1(sampler: Sampler, nTrials: number): Promise<number> {
  const study = await createStudy({ directions: ['maximize', 'minimize'], sampler });
  await study.optimize((t) => {
    const x = Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1));
    const g = 1 + (9 * x.slice(1).reduce((a, b) => a + b)) / 5;
    return [1 - x[0], g * (1 - Math.sqrt(x[0] / g))];
  }, { nTrials });
  const values = study.bestTrials.map((t) => t.values!);
  await study.close();
  return studyHypervolume(values, ['maximize', 'minimize'], [-0.1, 11]);
}

test('NSGA-II and MOTPE through createStudy({ directions }) beat random search on ZDT1', async () => {
  for (const seed of [1, 2]) {
    const random = await zdt1(new RandomSampler({ seed }), 150);
    const nsga = await zdt1(new Nsga2Sampler({ seed, populationSize: 25 }), 150);
    const tpe = await zdt1(new TpeSampler({ seed }), 150);
    assert.ok(nsga > random && tpe > random, `seed ${seed}: NSGA-II ${nsga}, TPE ${tpe}, random ${random}`);
  }
});

test('the dominance pruner stops dominated learning curves in a real study', async () => {
  const study = await createStudy({ directions: ['maximize', 'minimize'], sampler: new RandomSampler({ seed: 3 }), pruner: new DominancePruner({ nStartupTrials: 4 }) });
  await study.optimize((t) => {
    const quality = t.suggestFloat('quality', 0, 1);
    for (let epoch = 0; epoch < 5; epoch++) {
      // Better trials are more accurate and smaller at every epoch.
      t.report([quality * (epoch + 1) / 5, 10 - 5 * quality], epoch);
      if (t.shouldPrune()) throw new TrialPruned();
    }
    return [quality, 10 - 5 * quality];
  }, { nTrials: 30 });
  const pruned = study.trials(['pruned']);
  const complete = study.trials(['complete']);
  assert.ok(pruned.length >= 5, `pruned ${pruned.length} of 30`);
  // A pruned trial was dominated by at least half the complete trials at its last step: it was below their median quality.
  const meanQuality = (ts: readonly { params: Record<string, unknown> }[]) => ts.reduce((a, t) => a + (t.params.quality as number), 0) / ts.length;
  assert.ok(meanQuality(pruned) < meanQuality(complete), `pruned ${meanQuality(pruned)}, complete ${meanQuality(complete)}`);
  await study.close();
});
