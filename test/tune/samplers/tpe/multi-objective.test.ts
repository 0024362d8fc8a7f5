import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TpeSampler } from '../../../../src/tune/samplers/tpe/sampler.js';
import { feasibleGood, hypervolumeWeights, multiObjectiveGood } from '../../../../src/tune/samplers/tpe/split.js';
import type { Observation } from '../../../../src/tune/samplers/tpe/history.js';
import { RandomSampler } from '../../../../src/tune/samplers/random.js';
import { floatParam } from '../../../../src/tune/space/distributions.js';
import { studyHypervolume } from '../../../../src/tune/multi/hypervolume.js';
import { isFeasible } from '../../../../src/tune/multi/constraints.js';
import type { Sampler } from '../../../../src/tune/types.js';
import { VectorStudy, type VectorTrial } from '../../multi/study.js';
import { zdt, type Problem } from '../../multi/problems.js';

const obs = (number: number, fields: Partial<Observation>): Observation => ({
  id: number,
  number,
  params: {},
  tier: 0,
  depth: 0,
  loss: 0,
  violation: 0,
  ...fields,
});

test('c-TPE split: feasible trials first in their order; short of them, the least violating', () => {
  const ranked = [obs(0, { loss: 1, violation: 2 }), obs(1, { loss: 2 }), obs(2, { loss: 3, violation: 0.5 }), obs(3, { loss: 4 }), obs(4, { loss: 5, violation: 1 })];
  assert.deepEqual(feasibleGood(ranked, 2).map((o) => o.number), [1, 3]);
  assert.deepEqual(feasibleGood(ranked, 1).map((o) => o.number), [1]);
  assert.deepEqual(feasibleGood(ranked, 4).map((o) => o.number), [1, 3, 2, 4]);
});

test('MOTPE split: whole fronts, the last cut by hypervolume; infeasible and pruned only to fill', () => {
  const ranked = [
    obs(0, { losses: [1, 3] }),
    obs(1, { losses: [2, 2] }),
    obs(2, { losses: [3, 1] }),
    obs(3, { losses: [2.5, 2.5] }), // front 1
    obs(4, { losses: [0, 0], violation: 1 }), // infeasible
    obs(5, { tier: 1, depth: -3, loss: 7 }), // pruned
    obs(6, { losses: [4, 4] }), // front 2
  ];
  assert.deepEqual(multiObjectiveGood(ranked, 3).map((o) => o.number), [0, 1, 2]);
  assert.deepEqual(multiObjectiveGood(ranked, 4).map((o) => o.number), [0, 1, 2, 3]);
  // Two of front 0: the greedy subset takes the middle point (largest box), then an end.
  assert.deepEqual(multiObjectiveGood(ranked, 2).map((o) => o.number).sort(), [0, 1]);
  const few = [obs(0, { losses: [1, 1] }), obs(1, { losses: [0, 0], violation: 2 }), obs(2, { tier: 1, loss: 1 }), obs(3, { losses: [0, 0], violation: 1 })];
  assert.deepEqual(multiObjectiveGood(few, 3).map((o) => o.number), [0, 3, 1]);
  assert.deepEqual(multiObjectiveGood(few, 4).map((o) => o.number), [0, 3, 1, 2]);
});

test('hypervolume weights: contributions over the largest, EPS for the rest', () => {
  // Reference 10% past the worst: [3.3, 3.3]. Contributions: ends 0.3 * 1 = 0.3 (x from 1 to... ) computed below.
  const good = [obs(0, { losses: [1, 3] }), obs(1, { losses: [2, 2] }), obs(2, { losses: [3, 1] }), obs(3, { losses: [0, 0], violation: 1 })];
  const w = hypervolumeWeights(good);
  // Point 0 adds [1, 2] x [3, 3.3] = 0.3; point 1 adds [2, 3] x [2, 3] = 1; point 2 adds [3, 3.3] x [1, 2] = 0.3.
  assert.ok(Math.abs(w[0] - 0.3) < 1e-9 && Math.abs(w[1] - 1) < 1e-9 && Math.abs(w[2] - 0.3) < 1e-9, `${[...w]}`);
  assert.equal(w[3], 1e-12);
  assert.deepEqual([...hypervolumeWeights([obs(0, { losses: [1, 1], violation: 1 }), obs(1, { tier: 1 })])], [1, 1]);
});

function hypervolumeOf(study: VectorStudy, problem: Problem): number {
  const points = study.trials(['complete']).filter((t) => isFeasible(t)).map((t) => t.values!);
  return studyHypervolume(points, problem.directions, problem.reference);
}

test('MOTPE beats random search on ZDT1 (8 dimensions) after 150 trials on 5 seeds of 5', () => {
  const problem = zdt(1, 8);
  const results: string[] = [];
  let wins = 0;
  for (let seed = 0; seed < 5; seed++) {
    const run = (sampler: Sampler) => {
      const study = new VectorStudy(problem.directions, sampler);
      study.optimize(problem.objective, 150);
      return hypervolumeOf(study, problem);
    };
    const tpe = run(new TpeSampler({ seed }));
    const random = run(new RandomSampler({ seed }));
    results.push(`${tpe.toFixed(2)} vs ${random.toFixed(2)}`);
    if (tpe > random) wins++;
  }
  assert.equal(wins, 5, results.join(', '));
});

test('maximize and minimize mixed: MOTPE follows each direction', () => {
  const X = floatParam(0, 1);
  const Y = floatParam(0, 1);
  // Maximize x, minimize y (a square): the best corner is (1, 0).
  const study = new VectorStudy(['maximize', 'minimize'], new TpeSampler({ seed: 2 }));
  study.optimize((t) => ({ values: [t.num('x', X), t.num('y', Y)] }), 80);
  const late = study.trials().slice(-30);
  const mean = (f: (t: (typeof late)[number]) => number) => late.reduce((a, t) => a + f(t), 0) / late.length;
  assert.ok(mean((t) => t.params.x as number) > 0.7 && mean((t) => t.params.y as number) < 0.3, `late means ${mean((t) => t.params.x as number)}, ${mean((t) => t.params.y as number)}`);
});

test('c-TPE, one objective: the optimum lies outside the feasible region; constrained TPE stays feasible and finds its edge', () => {
  const X = floatParam(-5, 5);
  const Y = floatParam(-5, 5);
  // Minimize x^2 + y^2 subject to x + y >= 2: the best feasible value is 2 at (1, 1).
  const objective = (t: VectorTrial) => {
    const x = t.num('x', X);
    const y = t.num('y', Y);
    return { values: [x * x + y * y], constraints: [2 - x - y] };
  };
  const bestFeasible = (sampler: Sampler) => {
    const study = new VectorStudy(['minimize'], sampler);
    study.optimize(objective, 80);
    const feasible = study.trials(['complete']).filter((t) => isFeasible(t));
    return { best: Math.min(...feasible.map((t) => t.value!)), late: study.trials().slice(-30).filter((t) => isFeasible(t)).length };
  };
  let wins = 0;
  for (let seed = 0; seed < 5; seed++) {
    const tpe = bestFeasible(new TpeSampler({ seed }));
    const random = bestFeasible(new RandomSampler({ seed }));
    if (tpe.best < random.best) wins++;
    assert.ok(tpe.best < 3, `seed ${seed}: best feasible ${tpe.best}`);
    assert.ok(tpe.late >= 12, `seed ${seed}: ${tpe.late} of the last 30 feasible`);
  }
  assert.ok(wins >= 4, `${wins} of 5`);
});

test('constraints that all hold change nothing: the same proposals as without them', () => {
  const X = floatParam(-5, 5);
  const run = (withConstraints: boolean) => {
    const study = new VectorStudy(['minimize'], new TpeSampler({ seed: 9 }));
    study.optimize((t) => {
      const v = (t.num('x', X) - 1) ** 2 + t.num('y', X) ** 2;
      return withConstraints ? { values: [v], constraints: [-1] } : { values: [v] };
    }, 40);
    return study.trials().map((t) => t.params);
  };
  assert.deepEqual(run(true), run(false));
});

test('gamma is told the number of objectives', () => {
  const asked: [number, number][] = [];
  const sampler = new TpeSampler({ seed: 1, nStartupTrials: 3, gamma: (n, objectives) => (asked.push([n, objectives]), 1) });
  const study = new VectorStudy(['minimize', 'minimize', 'maximize'], sampler);
  const X = floatParam(0, 1);
  study.optimize((t: VectorTrial) => {
    const x = t.num('x', X);
    return { values: [x, 1 - x, x * x] };
  }, 5);
  assert.deepEqual(asked, [
    [3, 3],
    [4, 3],
  ]);
});
