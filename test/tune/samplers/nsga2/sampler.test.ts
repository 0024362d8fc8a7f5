import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Nsga2Sampler } from '../../../../src/tune/samplers/nsga2/sampler.js';
import { Generations, selectElite } from '../../../../src/tune/samplers/nsga2/population.js';
import { crowdedBetter } from '../../../../src/tune/samplers/nsga2/selection.js';
import { sbxPair } from '../../../../src/tune/samplers/nsga2/crossover.js';
import { polynomialMutation } from '../../../../src/tune/samplers/nsga2/mutation.js';
import { RandomSampler } from '../../../../src/tune/samplers/random.js';
import { categorical, floatParam, intParam } from '../../../../src/tune/space/distributions.js';
import { studyHypervolume } from '../../../../src/tune/multi/hypervolume.js';
import { isFeasible } from '../../../../src/tune/multi/constraints.js';
import type { FrozenTrial, Sampler } from '../../../../src/tune/types.js';
import { Rng } from '../../../../src/util/rng.js';
import { VectorStudy } from '../../multi/study.js';
import { binhKorn, zdt, type Problem } from '../../multi/problems.js';

function run(problem: Problem, sampler: Sampler, n: number): VectorStudy {
  const study = new VectorStudy(problem.directions, sampler);
  study.optimize(problem.objective, n);
  return study;
}

function hypervolumeOf(study: VectorStudy, problem: Problem): number {
  const points = study
    .trials(['complete'])
    .filter((t) => isFeasible(t))
    .map((t) => t.values ?? [t.value!]);
  return studyHypervolume(points, problem.directions, problem.reference);
}

test('SBX keeps children in [0, 1], spreads them around the parents, and u = 0.5 returns the parents', () => {
  assert.deepEqual(sbxPair(0.4, 0.6, 0.5, 20).map((x) => Number(x.toFixed(12))), [0.4, 0.6]);
  const rng = new Rng(1);
  let below = 0;
  for (let i = 0; i < 2000; i++) {
    const [c1, c2] = sbxPair(0.1, 0.3, rng.uniform(), 20);
    assert.ok(c1 >= 0 && c2 <= 1 && c1 <= c2 + 1e-12);
    if (c1 < 0.1) below++;
  }
  assert.ok(below > 600 && below < 1400, `children outside the parents half the time: ${below}`);
});

test('polynomial mutation: small steps, inside [0, 1], both directions', () => {
  const rng = new Rng(2);
  const steps = Array.from({ length: 4000 }, () => polynomialMutation(0.5, rng, 20) - 0.5);
  assert.ok(steps.every((s) => s >= -0.5 && s <= 0.5));
  const median = [...steps].map(Math.abs).sort((a, b) => a - b)[2000];
  assert.ok(median > 0.005 && median < 0.05, `median step ${median}`);
  assert.ok(steps.filter((s) => s > 0).length > 1800 && steps.filter((s) => s < 0).length > 1800);
  for (let i = 0; i < 200; i++) {
    const y = polynomialMutation(0, rng, 20);
    assert.ok(y >= 0 && y <= 1);
  }
});

test('elite selection keeps fronts whole, cuts the last by crowding, feasible first', () => {
  const trial = (number: number) => ({ number, id: number }) as FrozenTrial;
  const c = (number: number, losses: number[], violation = 0) => ({ trial: trial(number), losses, violation });
  // Front 0: 0, 1, 2, 3; front 1: 4. Keeping 3 of front 0 drops the more crowded interior point: 1
  // (neighbours 0 and 2: 1.2/3 + 1.2/3 = 0.8) rather than 2 (neighbours 1 and 3: 2/3 + 2/3 = 1.33).
  const candidates = [c(0, [0, 3]), c(1, [1, 2]), c(2, [1.2, 1.8]), c(3, [3, 0]), c(4, [3, 3])];
  assert.deepEqual(
    selectElite(candidates, 3).map((i) => i.trial.number),
    [0, 3, 2],
  );
  const five = selectElite(candidates, 5);
  assert.deepEqual(five.map((i) => [i.trial.number, i.rank]), [[0, 0], [1, 0], [2, 0], [3, 0], [4, 1]]);
  // An infeasible point that would dominate everything is last.
  const constrained = selectElite([c(0, [5, 5]), c(1, [0, 0], 1), c(2, [6, 6], 0.5)], 3);
  assert.deepEqual(constrained.map((i) => [i.trial.number, i.rank]), [[0, 0], [2, 1], [1, 2]]);
  assert.equal(crowdedBetter({ rank: 0, crowding: 0 }, { rank: 1, crowding: Infinity }), true);
  assert.equal(crowdedBetter({ rank: 1, crowding: 2 }, { rank: 1, crowding: 1 }), true);
});

test('generations form from complete trials in number order; a late trial re-forms them', () => {
  const study = new VectorStudy(['minimize', 'minimize']);
  const generations = new Generations(3);
  assert.deepEqual(generations.parents(study, study.directions), { generation: -1, population: [] });
  for (const v of [[1, 1], [2, 2], [3, 3]]) study.add({ state: 'complete', values: v });
  const first = generations.parents(study, study.directions);
  assert.equal(first.generation, 0);
  assert.deepEqual(first.population.map((i) => i.trial.number), [0, 1, 2]);
  study.add({ state: 'running' }); // trial 3: still running
  for (const v of [[0, 0], [5, 5], [0.5, 4]]) study.add({ state: 'complete', values: v }); // 4, 5, 6
  // Generation 1 is 4, 5, 6; the parents are the best 3 of generation 0 and 1: 4 ([0, 0]) then 0 and 6 tie on front 1.
  const second = generations.parents(study, study.directions);
  assert.equal(second.generation, 1);
  assert.deepEqual(second.population.map((i) => i.trial.number).sort(), [0, 4, 6]);
});

test('NSGA-II beats random search on ZDT1 (8 dimensions) after 300 trials, on 5 seeds of 5', () => {
  const problem = zdt(1, 8);
  let wins = 0;
  const results: string[] = [];
  for (let seed = 0; seed < 5; seed++) {
    const nsga = hypervolumeOf(run(problem, new Nsga2Sampler({ seed, populationSize: 30 }), 300), problem);
    const random = hypervolumeOf(run(problem, new RandomSampler({ seed }), 300), problem);
    results.push(`${nsga.toFixed(3)} vs ${random.toFixed(3)}`);
    if (nsga > random) wins++;
  }
  assert.equal(wins, 5, results.join(', '));
});

test('the same seed proposes the same trials; another seed does not', () => {
  const problem = zdt(2, 4);
  const params = (seed: number) => run(problem, new Nsga2Sampler({ seed, populationSize: 10 }), 60).trials().map((t) => t.params);
  assert.deepEqual(params(3), params(3));
  assert.notDeepEqual(params(3), params(4));
});

test('children stay in their distributions: log, oneMinusBeta, int and categorical parameters', () => {
  const LR = floatParam(1e-5, 1, { scale: 'log' });
  const BETA = floatParam(0.9, 0.999, { scale: 'oneMinusBeta' });
  const UNITS = intParam(16, 512, { scale: 'log' });
  const OPT = categorical(['adam', 'sgd', 'momentum']);
  const study = new VectorStudy(['minimize', 'minimize'], new Nsga2Sampler({ seed: 5, populationSize: 10 }));
  study.optimize((t) => {
    const lr = t.num('lr', LR);
    const beta = t.num('beta', BETA);
    const units = t.num('units', UNITS);
    const opt = t.suggest('opt', OPT);
    return { values: [Math.abs(Math.log10(lr) + 3) + (opt === 'adam' ? 0 : 1), units / 512 + Math.abs(Math.log10(1 - beta) + 2)] };
  }, 80);
  const children = study.trials().slice(10);
  // Every child came from sampleRelative (the whole space), and the search moved towards lr = 1e-3 with adam.
  const late = children.slice(-20);
  const medianLogLr = late.map((t) => Math.log10(t.params.lr as number)).sort((a, b) => a - b)[10];
  assert.ok(Math.abs(medianLogLr + 3) < 1, `median log10 lr of the last 20: ${medianLogLr}`);
  assert.ok(late.filter((t) => t.params.opt === 'adam').length >= 12);
});

test('constraints: NSGA-II finds more feasible trials than random search on Binh-Korn-like constraints', () => {
  // Feasible only in a thin ring of ZDT1's space: x1 + x2 in [0.4, 0.5].
  const base = zdt(1, 4);
  const problem: Problem = {
    ...base,
    objective: (t) => {
      const out = base.objective(t);
      const s = t.num('x0', floatParam(0, 1)) + t.num('x1', floatParam(0, 1));
      return { values: out.values, constraints: [0.4 - s, s - 0.5] };
    },
  };
  const feasible = (study: VectorStudy) => study.trials().slice(100).filter((t) => isFeasible(t)).length;
  const nsga = feasible(run(problem, new Nsga2Sampler({ seed: 1, populationSize: 20 }), 200));
  const random = feasible(run(problem, new RandomSampler({ seed: 1 }), 200));
  assert.ok(nsga > 2 * random, `feasible among trials 100-199: NSGA-II ${nsga}, random ${random}`);
  assert.ok(binhKorn().objective !== undefined);
});

test('one objective: NSGA-II is a genetic algorithm that beats random search', () => {
  const X = floatParam(-5, 5);
  const sphere = { name: 'sphere', directions: ['minimize'] as const, reference: [100], objective: (t: import('../../multi/study.js').VectorTrial) => ({ values: [Array.from({ length: 5 }, (_, i) => t.num(`x${i}`, X) ** 2).reduce((a, b) => a + b)] }) };
  let wins = 0;
  for (let seed = 0; seed < 5; seed++) {
    const best = (s: Sampler) => Math.min(...run(sphere, s, 200).trials(['complete']).map((t) => t.value!));
    if (best(new Nsga2Sampler({ seed, populationSize: 20 })) < best(new RandomSampler({ seed }))) wins++;
  }
  assert.equal(wins, 5);
});

test('options are checked', () => {
  assert.throws(() => new Nsga2Sampler({ populationSize: 1 }), /populationSize must be an integer >= 2, got 1/);
  assert.throws(() => new Nsga2Sampler({ mutationProb: 2 }), /mutationProb must be in \[0, 1\], got 2/);
  assert.throws(() => new Nsga2Sampler({ crossoverEta: -1 }), /crossoverEta must be a finite number >= 0, got -1/);
});

test('auto picks TPE for several objectives and for constraints, GP otherwise', async () => {
  const { AutoSampler } = await import('../../../../src/tune/samplers/auto.js');
  const X = floatParam(0, 1);
  const auto = new AutoSampler({ seed: 1 });
  const two = new VectorStudy(['minimize', 'minimize'], auto);
  two.optimize((t) => ({ values: [t.num('x', X), 1 - t.num('x', X)] }), 12);
  assert.equal(auto.choose(two), 'tpe');
  const one = new VectorStudy(['minimize'], auto);
  one.optimize((t) => ({ values: [t.num('x', X)] }), 12);
  assert.equal(auto.choose(one), 'gp');
  const constrained = new VectorStudy(['minimize'], auto);
  constrained.optimize((t) => ({ values: [t.num('x', X)], constraints: [0.5 - t.num('x', X)] }), 12);
  assert.equal(auto.choose(constrained), 'tpe');
});
