import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImportanceError, parameterImportance, parameterImportanceRecord } from '../../../src/tune/importance/importance.js';
import { fitForest, type Dataset, type Feature } from '../../../src/tune/importance/forest.js';
import { leafBoxes, marginalVariance, marginalVarianceReference, treeMoments } from '../../../src/tune/importance/fanova.js';
import { categorical, floatParam, intParam } from '../../../src/tune/space/distributions.js';
import { fromUnit } from '../../../src/tune/space/scale.js';
import type { Distribution, FrozenTrial, ParamValue, TrialState } from '../../../src/tune/types.js';
import { createStudy } from '../../../src/tune/study.js';
import { Rng } from '../../../src/util/rng.js';

type Params = Record<string, ParamValue>;

/** `n` complete trials, each parameter drawn uniformly on its own (internal) scale, valued by `objective`. */
function trialsOf(n: number, space: Record<string, Distribution>, objective: (p: Params) => number, seed = 1): FrozenTrial[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const params: Params = {};
    for (const [name, d] of Object.entries(space)) params[name] = fromUnit(d, rng.uniform());
    return trial(i, params, space, objective(params));
  });
}

function trial(number: number, params: Params, distributions: Record<string, Distribution>, value?: number, state: TrialState = 'complete'): FrozenTrial {
  const ds = Object.fromEntries(Object.keys(params).map((k) => [k, distributions[k]]));
  return { id: number, number, state, params, distributions: ds, value, intermediate: new Map(), userAttrs: {}, systemAttrs: {} };
}

const unit = floatParam(0, 1);
const num = (p: Params, name: string) => p[name] as number;
const sum = (xs: readonly { importance: number }[]) => xs.reduce((a, b) => a + b.importance, 0);

test('10x + 0.1y with z unused: x explains nearly everything, z nothing; sorted, summing to 1', () => {
  const trials = trialsOf(200, { x: unit, y: unit, z: unit }, (p) => 10 * num(p, 'x') + 0.1 * num(p, 'y'));
  const result = parameterImportance(trials);
  assert.deepEqual(result.map((r) => r.name), ['x', 'y', 'z']);
  assert.ok(result[0].importance > 0.9, `x: ${result[0].importance}`);
  assert.ok(result[2].importance < 0.02, `z: ${result[2].importance}`);
  assert.ok(Math.abs(sum(result) - 1) < 1e-12);
});

test('known main effects: x + 2y splits the variance 1 : 4', () => {
  // Var(x) = 1/12, Var(2y) = 4/12: fANOVA's exact answer is 0.2 and 0.8.
  const r = parameterImportanceRecord(trialsOf(300, { x: unit, y: unit }, (p) => num(p, 'x') + 2 * num(p, 'y'), 2));
  assert.ok(Math.abs(r.x - 0.2) < 0.04, `x: ${r.x}`);
  assert.ok(Math.abs(r.y - 0.8) < 0.04, `y: ${r.y}`);
  // A pure interaction has no main effects: unnormalized, each share is near 0 (additive: near 1 in total).
  const inter = parameterImportanceRecord(
    trialsOf(300, { x: unit, y: unit }, (p) => (num(p, 'x') - 0.5) * (num(p, 'y') - 0.5), 3),
    { normalize: false },
  );
  assert.ok(inter.x < 0.1 && inter.y < 0.1, JSON.stringify(inter));
  const additive = parameterImportance(trialsOf(300, { x: unit, y: unit }, (p) => num(p, 'x') + 2 * num(p, 'y'), 2), { normalize: false });
  assert.ok(sum(additive) > 0.9, `additive total ${sum(additive)}`);
});

test('log and 1 - beta scales are analysed on the internal scale (per decade)', () => {
  const lr = floatParam(1e-4, 1, { scale: 'log' });
  const noise = floatParam(0, 1);
  const dominated = parameterImportanceRecord(trialsOf(200, { lr, noise }, (p) => Math.log10(num(p, 'lr')) ** 2));
  assert.ok(dominated.lr > 0.95 && dominated.noise < 0.05, JSON.stringify(dominated));

  // log10(lr) + 4x: on the log scale both main effects have variance 16/12, so 0.5 each. On the raw scale
  // (lr uniform on [1e-4, 1], as Optuna's fANOVA reads it) Var(log10 lr) is only (1/ln 10)² = 0.19,
  // which would give lr about 0.12.
  const balanced = parameterImportanceRecord(trialsOf(400, { lr, x: unit }, (p) => Math.log10(num(p, 'lr')) + 4 * num(p, 'x'), 4));
  assert.ok(Math.abs(balanced.lr - 0.5) < 0.06, `lr: ${balanced.lr}`);

  // Same for 1 - beta: log10(1 - beta) is uniform on [-3, -1], variance 4/12, as 2x's.
  const beta = floatParam(0.9, 0.999, { scale: 'oneMinusBeta' });
  const momentum = parameterImportanceRecord(trialsOf(400, { beta, x: unit }, (p) => Math.log10(1 - num(p, 'beta')) + 2 * num(p, 'x'), 5));
  assert.ok(Math.abs(momentum.beta - 0.5) < 0.06, `beta: ${momentum.beta}`);
});

test('a categorical parameter that matters is found; integers work', () => {
  const space = { opt: categorical(['a', 'b', 'c', 'd']), units: intParam(1, 8), x: unit };
  const r = parameterImportanceRecord(trialsOf(200, space, (p) => (p.opt === 'a' ? 5 : 0) + 0.3 * num(p, 'x')));
  // Var(5 [opt = a]) = 25 * 1/4 * 3/4 = 4.69 against Var(0.3x) = 0.0075.
  assert.ok(r.opt > 0.95, JSON.stringify(r));
  assert.ok(r.units < 0.02, JSON.stringify(r));
  const byUnits = parameterImportanceRecord(trialsOf(200, space, (p) => num(p, 'units') + 0.1 * num(p, 'x')));
  assert.ok(byUnits.units > 0.9 && byUnits.opt < 0.03, JSON.stringify(byUnits));
});

test('deterministic for a seed; the seed matters; sqrt features and small forests agree on the answer', () => {
  const trials = trialsOf(100, { x: unit, y: unit, z: unit }, (p) => num(p, 'x') ** 2 + 3 * num(p, 'y'));
  assert.deepEqual(parameterImportance(trials, { seed: 7 }), parameterImportance(trials, { seed: 7 }));
  assert.deepEqual(parameterImportance(trials), parameterImportance(trials, { seed: 0 }));
  assert.notDeepEqual(parameterImportance(trials, { seed: 7 }), parameterImportance(trials, { seed: 8 }));
  const sqrt = parameterImportance(trials, { maxFeatures: 'sqrt', nTrees: 16, maxDepth: 8 });
  assert.deepEqual(sqrt.map((r) => r.name), ['y', 'x', 'z']);
  assert.ok(Math.abs(sum(sqrt) - 1) < 1e-12);
});

test('conditional parameters: the default set is what every trial has; naming one restricts the trials', () => {
  const optimizer = categorical(['adam', 'momentum']);
  const beta = floatParam(0.8, 0.99);
  const rng = new Rng(3);
  const trials = Array.from({ length: 120 }, (_, i) => {
    const params: Params = { optimizer: fromUnit(optimizer, rng.uniform()), x: rng.uniform() };
    if (params.optimizer === 'momentum') params.beta = fromUnit(beta, rng.uniform());
    const value = 0.1 * num(params, 'x') + (params.beta === undefined ? 0 : 10 * num(params, 'beta'));
    return trial(i, params, { optimizer, x: unit, beta }, value);
  });
  assert.deepEqual(parameterImportance(trials).map((r) => r.name).sort(), ['optimizer', 'x']);
  const r = parameterImportance(trials, { params: ['beta', 'x'] });
  assert.equal(r[0].name, 'beta');
  assert.ok(r[0].importance > 0.9);
});

test('clear errors: too few complete trials, unknown or repeated parameters, a constant target', () => {
  const d = { x: unit };
  const one = [trial(0, { x: 0.5 }, d, 1), trial(1, { x: 0.2 }, d, undefined, 'failed'), trial(2, { x: 0.3 }, d, undefined, 'pruned')];
  assert.throws(() => parameterImportance(one), (e: Error) => e instanceof ImportanceError && /at least 2 complete trials.*got 1 \(of 1 complete\)/.test(e.message));
  assert.throws(() => parameterImportance([]), /at least 2 complete trials/);
  const trials = trialsOf(10, d, (p) => num(p, 'x'));
  assert.throws(() => parameterImportance(trials, { params: ['lr'] }), /no complete trial has the parameter "lr"; known: "x"/);
  assert.throws(() => parameterImportance(trials, { params: ['x', 'x'] }), /"x" twice/);
  assert.throws(() => parameterImportance(trials, { minTrials: 11 }), /at least 11 complete trials/);
  assert.throws(() => parameterImportance(trialsOf(10, d, () => 3)), /same in all 10 trials/);
  assert.throws(() => parameterImportance(trials, { nTrees: 0 }), /nTrees must be a positive integer/);
});

test('a single-valued parameter gets 0; a study works as the source', async () => {
  const trials = trialsOf(50, { x: unit, fixed: floatParam(2, 2), only: categorical(['relu']) }, (p) => num(p, 'x'));
  assert.deepEqual(parameterImportanceRecord(trials), { x: 1, fixed: 0, only: 0 });

  const study = await createStudy({ seed: 1 });
  await study.optimize((t) => 10 * t.suggestFloat('x', 0, 1) + 0.1 * t.suggestFloat('y', 0, 1), { nTrials: 60 });
  const r = parameterImportance(study);
  assert.equal(r[0].name, 'x');
  assert.ok(r[0].importance > 0.9);
});

test('fast marginal variance equals the tree walk (Optuna\'s way) on a mixed forest', () => {
  const rng = new Rng(11);
  const n = 150;
  const features: Feature[] = [
    { kind: 'numeric', low: -4, high: 0 },
    { kind: 'categorical', nChoices: 5 },
    { kind: 'numeric', low: 0.5, high: 8.5 },
    { kind: 'categorical', nChoices: 3 },
  ];
  const columns = [
    Float64Array.from({ length: n }, () => rng.range(-4, 0)),
    Float64Array.from({ length: n }, () => rng.int(4)), // choice 4 never seen: it must still weigh 1/5
    Float64Array.from({ length: n }, () => 1 + rng.int(8)),
    Float64Array.from({ length: n }, () => rng.int(3)),
  ];
  const targets = Float64Array.from({ length: n }, (_, i) =>
    columns[0][i] ** 2 + [0, 3, -1, 2, 0][columns[1][i]] * columns[2][i] + (columns[3][i] === 1 ? 4 : 0) + rng.normal());
  const data: Dataset = { features, columns, targets };
  const trees = fitForest(data, { nTrees: 6, maxDepth: 64, minSamplesSplit: 2, maxFeatures: 'all', seed: 3 });
  for (const tree of trees) {
    const boxes = leafBoxes(tree, features);
    assert.ok(Math.abs(boxes.volume.reduce((a, b) => a + b, 0) - 1) < 1e-12, 'the leaves tile the space');
    const { mean, variance } = treeMoments(boxes);
    assert.ok(variance > 0);
    for (let f = 0; f < features.length; f++) {
      const fast = marginalVariance(boxes, features, f, mean);
      const reference = marginalVarianceReference(tree, features, f);
      assert.ok(Math.abs(fast - reference) <= 1e-9 * variance, `feature ${f}: ${fast} vs ${reference}`);
    }
  }
});

test('a fully grown tree reproduces its bootstrap rows; splits are midpoints between values', () => {
  const data: Dataset = {
    features: [{ kind: 'numeric', low: 0, high: 10 }],
    columns: [Float64Array.of(1, 2, 4, 8)],
    targets: Float64Array.of(5, 6, 7, 9),
  };
  const [tree] = fitForest(data, { nTrees: 1, maxDepth: 64, minSamplesSplit: 2, maxFeatures: 'all', seed: 0 });
  const thresholds = [...tree.threshold].filter((_, node) => tree.feature[node] === 0);
  for (const t of thresholds) assert.ok([1.5, 3, 6].includes(t), `threshold ${t}`);
  const predict = (x: number): number => {
    let node = 0;
    while (tree.feature[node] >= 0) node = x <= tree.threshold[node] ? tree.left[node] : tree.right[node];
    return tree.value[node];
  };
  for (let i = 0; i < 4; i++) {
    const predicted = predict(data.columns[0][i]);
    // A row left out of the bootstrap sample lands in a neighbour's leaf; a drawn one is reproduced.
    assert.ok(data.targets.includes(predicted));
  }
});
