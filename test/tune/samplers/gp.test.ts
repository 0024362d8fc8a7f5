import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GpSampler, standardize } from '../../../src/tune/samplers/gp/sampler.js';
import { matern52, matern52Derivative } from '../../../src/tune/samplers/gp/kernel.js';
import { cholesky, choleskyInverse, choleskySolve } from '../../../src/tune/samplers/gp/linalg.js';
import { minimize } from '../../../src/tune/samplers/gp/lbfgs.js';
import { erfcx, logEi, standardLogEi } from '../../../src/tune/samplers/gp/log-ei.js';
import { fitKernelParams, logMarginalLikelihood } from '../../../src/tune/samplers/gp/fit.js';
import { GaussianProcess, covariance } from '../../../src/tune/samplers/gp/regressor.js';
import { discreteCandidates, gpDimensions, intersectionSpace, toUnit } from '../../../src/tune/samplers/gp/search-space.js';
import { RandomSampler } from '../../../src/tune/samplers/random.js';
import { createSampler } from '../../../src/tune/samplers/create.js';
import { categorical, floatParam, intParam } from '../../../src/tune/space/distributions.js';
import { Rng } from '../../../src/util/rng.js';
import { MemoryStudy, type MemoryTrial } from '../helpers.js';

const X1 = floatParam(-5, 10);
const X2 = floatParam(0, 15);

function branin(t: MemoryTrial): number {
  const x1 = t.num('x1', X1);
  const x2 = t.num('x2', X2);
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const s = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - s) * Math.cos(x1) + 10;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const close = (actual: number, expected: number, tolerance: number, what = ''): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} is not within ${tolerance} of ${expected}`);

test('Matérn 5/2 matches hand-computed values, and its derivative matches finite differences', () => {
  assert.equal(matern52(0), 1);
  // r2 = 0.2: sqrt(5 r2) = 1, so (1 + 1 + 5/3 * 0.2) e^-1 = (7/3) e^-1.
  close(matern52(0.2), (7 / 3) * Math.exp(-1), 1e-15);
  // r2 = 1.8: sqrt(5 r2) = 3, so (1 + 3 + 3) e^-3.
  close(matern52(1.8), 7 * Math.exp(-3), 1e-15);
  close(matern52Derivative(0), -5 / 6, 1e-15);
  close(matern52Derivative(0.2), (-5 / 6) * 2 * Math.exp(-1), 1e-15);
  for (const r2 of [0.01, 0.3, 2, 7]) {
    const h = 1e-6 * r2;
    close(matern52Derivative(r2), (matern52(r2 + h) - matern52(r2 - h)) / (2 * h), 1e-8, `m'(${r2})`);
  }
  // Two points: [0.1, choice 0] and [0.6, choice 2]; lambda = [4, 0.5]; categorical distance 1.
  const c = covariance(new Float64Array([0.1, 0, 0.6, 2]), 2, [false, true], { inverseSquaredLengthscales: new Float64Array([4, 0.5]), scale: 2, noise: 0.1 });
  close(c[0], 2.1, 1e-15);
  close(c[1], 2 * matern52(4 * 0.25 + 0.5 * 1), 1e-15);
  assert.equal(c[1], c[2]);
});

test('Cholesky, solve and inverse of a 2 x 2 and a random 6 x 6 matrix', () => {
  const l = cholesky(new Float64Array([4, 2, 2, 3]), 2)!;
  assert.deepEqual([...l].map((v) => Number(v.toFixed(12))), [2, 0, 1, Number(Math.SQRT2.toFixed(12))]);
  assert.deepEqual([...choleskyInverse(l, 2)].map((v) => Number(v.toFixed(12))), [0.375, -0.25, -0.25, 0.5]);
  assert.deepEqual([...choleskySolve(l, 2, new Float64Array([6, 5]))].map((v) => Number(v.toFixed(12))), [1, 1]);
  assert.equal(cholesky(new Float64Array([1, 2, 2, 1]), 2), null, 'indefinite');
  // A = B B^T + I is positive definite; A A^-1 = I.
  const rng = new Rng(3);
  const n = 6;
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += b[i * n + k] * b[j * n + k] + (i === j && k === 0 ? 1 : 0);
  const inv = choleskyInverse(cholesky(a, n)!, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
      close(s, i === j ? 1 : 0, 1e-10, `(A A^-1)[${i}][${j}]`);
    }
  }
});

test('L-BFGS finds the Rosenbrock minimum and respects bounds', () => {
  const rosenbrock = (x: Float64Array, g: Float64Array): number => {
    g[0] = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2);
    g[1] = 200 * (x[1] - x[0] ** 2);
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2;
  };
  const free = minimize(rosenbrock, new Float64Array([-1.2, 1]), { maxIterations: 500, gradientTolerance: 1e-8, valueTolerance: 0 });
  close(free.x[0], 1, 1e-5, 'x0');
  close(free.x[1], 1, 1e-5, 'x1');
  // With x0 <= 0.5 the minimum is on the bound: x0 = 0.5, x1 = 0.25.
  const boxed = minimize(rosenbrock, new Float64Array([-1.2, 1]), { upper: new Float64Array([0.5, 10]), maxIterations: 500, gradientTolerance: 1e-8 });
  close(boxed.x[0], 0.5, 1e-9, 'bounded x0');
  close(boxed.x[1], 0.25, 1e-4, 'bounded x1');
});

test('erfcx matches SciPy to 1e-12 relative', () => {
  // scipy.special.erfcx
  const scipy: [number, number][] = [
    [0, 1],
    [0.5, 0.6156903441929258],
    [2, 0.2553956763105058],
    [3, 0.17900115118138998],
    [10, 0.05614099274382259],
    [30, 0.018795888861416754],
    [-1, 5.00898008076228],
  ];
  for (const [x, want] of scipy) close(erfcx(x) / want, 1, 1e-12, `erfcx(${x})`);
});

test('log EI equals log of EI integrated directly where EI is not tiny, and stays finite where it underflows', () => {
  // EI = E[max(0, f - best)], f ~ N(mean, variance): Simpson's rule over f in [best, mean + 12 sigma].
  const directEi = (mean: number, variance: number, best: number): number => {
    const sigma = Math.sqrt(variance);
    const lo = best;
    const hi = Math.max(best, mean) + 12 * sigma;
    const steps = 20000;
    const h = (hi - lo) / steps;
    let sum = 0;
    for (let i = 0; i <= steps; i++) {
      const f = lo + i * h;
      const density = Math.exp(-0.5 * ((f - mean) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
      sum += (i === 0 || i === steps ? 1 : i % 2 ? 4 : 2) * (f - best) * density;
    }
    return (sum * h) / 3;
  };
  for (const [mean, variance, best] of [
    [1, 1, 0],
    [0, 1, 0],
    [-1, 0.25, 0.5],
    [0.3, 4, 2],
    [-2, 0.5, 1],
  ]) {
    close(logEi(mean, variance, best).value, Math.log(directEi(mean, variance, best)), 1e-8, `logEI(${mean}, ${variance}, ${best})`);
  }
  // Far below the best, EI is 0 in floating point but log EI follows the asymptote
  // log ei(z) = log phi(z) - 2 log|z| + log(1 - 3/z^2 + 15/z^4 - ...).
  for (const z of [-40, -100, -1000]) {
    const { value, slope } = standardLogEi(z);
    assert.ok(Number.isFinite(value) && Number.isFinite(slope));
    const asymptote = -0.5 * z * z - Math.log(Math.sqrt(2 * Math.PI)) - 2 * Math.log(-z) + Math.log(1 - 3 / z ** 2 + 15 / z ** 4);
    close(value, asymptote, 1e-6, `log ei(${z})`);
    close(slope, -z - 2 / z, 0.01, `slope at ${z}`); // d/dz of the asymptote, to leading orders
  }
  // The partial derivatives match finite differences, on both sides of the switch at z = -25.
  for (const [mean, variance] of [
    [0.2, 0.5],
    [-3, 0.01],
    [-30, 1],
  ]) {
    const h = 1e-6;
    const at = logEi(mean, variance, 0);
    close(at.dMean, (logEi(mean + h, variance, 0).value - logEi(mean - h, variance, 0).value) / (2 * h), 1e-4 * Math.max(1, Math.abs(at.dMean)), 'dMean');
    const hv = 1e-7 * variance;
    close(at.dVariance, (logEi(mean, variance + hv, 0).value - logEi(mean, variance - hv, 0).value) / (2 * hv), 1e-4 * Math.max(1, Math.abs(at.dVariance)), 'dVariance');
  }
});

/** n points in [0, 1]^2 and a draw of a GP with length scale 0.2 along x0 and none along x1. */
function syntheticGp(seed: number, n: number): { xs: Float64Array; ys: Float64Array } {
  const rng = new Rng(seed);
  const xs = Float64Array.from({ length: n * 2 }, () => rng.uniform());
  const truth = { inverseSquaredLengthscales: new Float64Array([1 / 0.2 ** 2, 0]), scale: 1, noise: 1e-6 };
  const l = cholesky(covariance(xs, n, [false, false], truth), n)!;
  const z = Float64Array.from({ length: n }, () => rng.normal());
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let k = 0; k <= i; k++) ys[i] += l[i * n + k] * z[k];
  return { xs, ys: standardize([...ys]) };
}

test('the marginal likelihood gradient matches finite differences', () => {
  const rng = new Rng(9);
  const n = 12;
  const xs = Float64Array.from({ length: n * 3 }, (_, i) => (i % 3 === 2 ? rng.int(3) : rng.uniform()));
  const ys = Float64Array.from({ length: n }, () => rng.normal());
  const categorical = [false, false, true];
  const at = (lambda: number[], scale: number, noise: number): number =>
    logMarginalLikelihood(xs, ys, categorical, { inverseSquaredLengthscales: Float64Array.from(lambda), scale, noise }, new Float64Array(5));
  const lambda = [2, 0.5, 1.5];
  const g = new Float64Array(5);
  logMarginalLikelihood(xs, ys, categorical, { inverseSquaredLengthscales: Float64Array.from(lambda), scale: 1.3, noise: 0.05 }, g);
  const h = 1e-6;
  for (let j = 0; j < 3; j++) {
    const up = lambda.map((v, k) => (k === j ? v * Math.exp(h) : v));
    const down = lambda.map((v, k) => (k === j ? v * Math.exp(-h) : v));
    close(g[j], (at(up, 1.3, 0.05) - at(down, 1.3, 0.05)) / (2 * h), 1e-5, `d/d log lambda_${j}`);
  }
  close(g[3], (at(lambda, 1.3 * Math.exp(h), 0.05) - at(lambda, 1.3 * Math.exp(-h), 0.05)) / (2 * h), 1e-5, 'd/d log scale');
  close(g[4], (at(lambda, 1.3, 0.05 + h) - at(lambda, 1.3, 0.05 - h)) / (2 * h), 1e-4, 'd/d noise');
});

test('fitting the marginal likelihood recovers the length scale of synthetic GP data', () => {
  for (const seed of [1, 2, 3]) {
    const { xs, ys } = syntheticGp(seed, 80);
    const params = fitKernelParams(xs, ys, [false, false]);
    const [relevant, irrelevant] = Array.from(params.inverseSquaredLengthscales, (l) => 1 / Math.sqrt(l));
    // Measured: 0.12-0.15 for a true 0.2 (the prior and 80 points), and about 10 for the flat direction.
    assert.ok(relevant > 0.1 && relevant < 0.4, `seed ${seed}: length scale ${relevant}, true 0.2`);
    assert.ok(irrelevant > 3, `seed ${seed}: the direction f does not depend on got length scale ${irrelevant}`);
    assert.ok(params.noise < 1e-3, `seed ${seed}: noise ${params.noise} for noiseless data`);
  }
});

test('the posterior interpolates the data and its gradients match finite differences', () => {
  const { xs, ys } = syntheticGp(4, 30);
  const params = fitKernelParams(xs, ys, [false, false]);
  const gp = GaussianProcess.condition(xs, ys, [false, false], params)!;
  const at0 = gp.posterior(xs.subarray(0, 2));
  close(at0.mean, ys[0], 0.05, 'mean at an observed point');
  assert.ok(at0.variance < 0.01, `variance at an observed point ${at0.variance}`);
  const x = new Float64Array([0.37, 0.61]);
  const gm = new Float64Array(2);
  const gv = new Float64Array(2);
  const p = gp.posteriorWithGradient(x, gm, gv);
  close(p.mean, gp.posterior(x).mean, 1e-12);
  for (let j = 0; j < 2; j++) {
    const h = 1e-6;
    const up = Float64Array.from(x);
    const down = Float64Array.from(x);
    up[j] += h;
    down[j] -= h;
    close(gm[j], (gp.posterior(up).mean - gp.posterior(down).mean) / (2 * h), 1e-5, `d mean / dx${j}`);
    close(gv[j], (gp.posterior(up).variance - gp.posterior(down).variance) / (2 * h), 1e-5, `d variance / dx${j}`);
  }
});

test('search space: each parameter on [0, 1] of its own scale; discrete candidates are its values', () => {
  close(toUnit(floatParam(1e-4, 1, { scale: 'log' }), 0.01)!, 0.5, 1e-12);
  close(toUnit(floatParam(0.9, 0.999, { scale: 'oneMinusBeta' }), 0.99)!, 0.5, 1e-12);
  assert.equal(toUnit(categorical(['a', 'b', 'c']), 'c'), 2);
  assert.equal(toUnit(categorical(['a', 'b']), 'z'), null);
  const [n] = gpDimensions({ n: intParam(0, 3) });
  assert.equal(n.kind, 'discrete');
  assert.deepEqual(discreteCandidates(n, 0.375), [0.125, 0.375, 0.625, 0.875]);
  const [wide] = gpDimensions({ w: intParam(1, 1000) });
  const around500 = discreteCandidates(wide, toUnit(wide.distribution, 500)!);
  assert.ok(around500.length >= 16 && around500.length <= 25, `${around500.length} candidates`);
  assert.ok(around500.includes(toUnit(wide.distribution, 504)!) && around500.includes(toUnit(wide.distribution, 496)!));
  const study = new MemoryStudy();
  study.add({ state: 'complete', value: 1, params: { a: 1, b: 'x' }, distributions: { a: floatParam(0, 2), b: categorical(['x', 'y']) } });
  study.add({ state: 'complete', value: 2, params: { a: 1.5 }, distributions: { a: floatParam(0, 2) } });
  assert.deepEqual(Object.keys(intersectionSpace(study.trials(['complete']))), ['a']);
});

test('GP beats random search on Branin in 30 trials, seeds 0-9', () => {
  const gp: number[] = [];
  const random: number[] = [];
  let wins = 0;
  for (let seed = 0; seed < 10; seed++) {
    const a = new MemoryStudy('minimize', new GpSampler({ seed }));
    a.optimize(branin, 30);
    const b = new MemoryStudy('minimize', new RandomSampler({ seed }));
    b.optimize(branin, 30);
    gp.push(a.best().value!);
    random.push(b.best().value!);
    if (gp[seed] < random[seed]) wins++;
  }
  // Measured: every GP study within 0.01 of the optimum 0.3979; random's median about 1.5.
  assert.ok(wins >= 9, `GP won ${wins} of 10`);
  assert.ok(median(gp) < 0.42, `GP median best ${median(gp)} (optimum 0.398)`);
  assert.ok(median(random) > 2 * median(gp), `random median ${median(random)}`);
});

test('maximize: the GP climbs -Branin', () => {
  const bests: number[] = [];
  for (let seed = 0; seed < 3; seed++) {
    const study = new MemoryStudy('maximize', new GpSampler({ seed }));
    study.optimize((t) => -branin(t), 30);
    bests.push(study.best().value!);
  }
  assert.ok(median(bests) > -0.42, `median best ${median(bests)} (optimum -0.398)`);
});

test('the same seed proposes the same trials; another seed others', () => {
  const run = (seed: number) => {
    const study = new MemoryStudy('minimize', new GpSampler({ seed, nStartupTrials: 5 }));
    study.optimize(branin, 12);
    return study.trials().map((t) => t.params);
  };
  const first = run(7);
  assert.deepEqual(run(7), first);
  assert.notDeepEqual(run(8), first);
  // And a fresh sampler given the same finished trials proposes the same next point (nothing carried over).
  const study = new MemoryStudy('minimize', new GpSampler({ seed: 7, nStartupTrials: 5 }));
  study.optimize(branin, 11);
  const again = study.ask(new GpSampler({ seed: 7, nStartupTrials: 5 }));
  assert.deepEqual(again.relative, first[11]);
});

test('categorical, integer and stepped parameters: valid values, and the best choice found', () => {
  const bests: number[] = [];
  for (let seed = 0; seed < 5; seed++) {
    const study = new MemoryStudy('minimize', new GpSampler({ seed }));
    study.optimize((t) => {
      const opt = t.suggest('opt', categorical(['sgd', 'adam', 'momentum']));
      const units = t.num('units', intParam(16, 512, { scale: 'log' }));
      const layers = t.num('layers', intParam(1, 9, { step: 2 }));
      const dropout = t.num('dropout', floatParam(0, 0.5, { step: 0.1 }));
      assert.ok(Number.isInteger(units) && units >= 16 && units <= 512);
      assert.ok([1, 3, 5, 7, 9].includes(layers));
      assert.ok([0, 0.1, 0.2, 0.3, 0.4, 0.5].includes(dropout), `dropout ${dropout}`);
      return (opt === 'adam' ? 0 : 1) + Math.abs(Math.log2(units / 128)) / 4 + Math.abs(layers - 3) / 4 + dropout;
    }, 30);
    const best = study.best();
    assert.equal(best.params.opt, 'adam', `seed ${seed}`);
    assert.equal(best.params.layers, 3, `seed ${seed}`);
    bests.push(best.value!);
  }
  // Measured: 0.000-0.019 (units within 10% of 128); TPE's own are 0.07-0.21 on this problem and budget.
  assert.ok(median(bests) < 0.05, `median best ${median(bests)}`);
});

test('conditional parameters are drawn independently; the GP models the parameters all trials share', () => {
  const sampler = new GpSampler({ seed: 2 });
  const study = new MemoryStudy('minimize', sampler);
  study.optimize((t) => {
    const x = t.num('x', floatParam(0, 1));
    if (x > 0.5) return (x - 0.7) ** 2 + t.num('extra', floatParam(0, 1));
    return 1 + x;
  }, 25);
  const trial = study.ask();
  assert.deepEqual(Object.keys(trial.relative), ['x'], 'only x is in every complete trial');
  const bestX = study.best().params.x as number;
  assert.ok(Math.abs(bestX - 0.7) < 0.1, `best x ${bestX}, optimum 0.7`);
  for (const t of study.trials(['complete'])) if ('extra' in t.params) assert.ok((t.params.extra as number) >= 0 && (t.params.extra as number) <= 1);
});

test('pruned and failed trials are ignored: they neither count toward the startup nor enter the model', () => {
  const sampler = new GpSampler({ seed: 1, nStartupTrials: 3 });
  const study = new MemoryStudy('minimize', sampler);
  const dist = { x: floatParam(0, 1) };
  for (let i = 0; i < 10; i++) study.add({ state: i % 2 ? 'pruned' : 'failed', params: { x: i / 10 }, distributions: dist, intermediate: [-100] });
  study.add({ state: 'complete', value: 1, params: { x: 0.5 }, distributions: dist });
  study.add({ state: 'complete', value: 2, params: { x: 0.6 }, distributions: dist });
  assert.deepEqual(study.ask().relative, {}, 'two complete trials: still random');
  study.add({ state: 'complete', value: 3, params: { x: 0.7 }, distributions: dist });
  const proposal = study.ask().relative.x as number;
  // The complete trials get better towards x = 0; the pruned ones (reporting -100) would pull anywhere.
  assert.ok(proposal < 0.5, `proposal ${proposal}`);
});

test('trials still running make the next proposals spread out (kriging believer)', () => {
  const study = new MemoryStudy('minimize', new GpSampler({ seed: 3 }));
  study.optimize(branin, 20);
  const running = Array.from({ length: 4 }, () => study.ask());
  const points = running.map((t) => [(t.num('x1', X1) + 5) / 15, t.num('x2', X2) / 15]);
  let closest = Infinity;
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) closest = Math.min(closest, Math.hypot(points[i][0] - points[j][0], points[i][1] - points[j][1]));
  assert.ok(closest > 1e-3, `two of four concurrent proposals ${closest} apart`);
});

test('a history cap keeps the fit small and the search working', () => {
  const study = new MemoryStudy('minimize', new GpSampler({ seed: 0, maxTrials: 12 }));
  study.optimize(branin, 40);
  assert.ok(study.best().value! < 1, `best ${study.best().value}`);
});

test('standardize clips infinities to the finite extremes', () => {
  assert.deepEqual([...standardize([1, 2, 3])].map((v) => Number(v.toFixed(6))), [-1.224745, 0, 1.224745]);
  assert.deepEqual([...standardize([1, Infinity, -Infinity, 3])].map((v) => Number(v.toFixed(6))), [-1, 1, -1, 1]);
  assert.deepEqual([...standardize([5, 5])], [0, 0]);
});

test("createSampler('gp') builds it and checks its options", () => {
  const s = createSampler('gp', { nStartupTrials: 5, deterministic: true }, 3) as GpSampler;
  assert.equal(s.name, 'gp');
  assert.equal(s.nStartupTrials, 5);
  assert.equal(s.seed, 3);
  assert.throws(() => createSampler('gp', { nStartup: 5 }), /unknown option 'nStartup' for sampler gp/);
  assert.throws(() => createSampler('gp', { deterministic: 'yes' }), /option 'deterministic' of sampler gp must be a boolean/);
  assert.throws(() => new GpSampler({ nStartupTrials: -1 }), /nStartupTrials must be an integer >= 0, got -1/);
  assert.throws(() => new GpSampler({ maxTrials: 1.5 }), /maxTrials must be an integer >= 2/);
});
