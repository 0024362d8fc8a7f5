import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParzenEstimator, type ParzenOptions } from '../../../../src/tune/samplers/tpe/parzen-estimator.js';
import { erfc, normalCdf, normalQuantile } from '../../../../src/tune/samplers/tpe/normal.js';
import { Rng } from '../../../../src/util/rng.js';

const SCOTT: ParzenOptions = { priorWeight: 1, bandwidth: 'scott', bandwidthFactor: 0.2, magicClip: true };
const NEIGHBORS: ParzenOptions = { ...SCOTT, bandwidth: 'neighbors' };

test('normal CDF and quantile: known values and inverse of each other', () => {
  assert.ok(Math.abs(erfc(1) - 0.157299207) < 1e-7);
  assert.ok(Math.abs(normalCdf(1.959963985) - 0.975) < 1e-7);
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963985) < 1e-8);
  for (const p of [1e-10, 0.01, 0.3, 0.5, 0.9, 0.999999]) assert.ok(Math.abs(normalCdf(normalQuantile(p)) - p) < 1e-7 * Math.max(1, p / 1e-3));
});

for (const [name, options] of [
  ['scott', SCOTT],
  ['neighbors', NEIGHBORS],
] as const) {
  test(`${name} bandwidths: the density integrates to 1 and samples follow it`, () => {
    const pe = new ParzenEstimator([{ kind: 'numeric', low: 0, high: 1 }], Float64Array.of(0.1, 0.15, 0.9, 0.5), Float64Array.of(1, 1, 1, 2), options);
    const n = 4000;
    const xs = Float64Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const density = Array.from(pe.logPdf(xs, n), Math.exp);
    assert.ok(Math.abs(density.reduce((a, b) => a + b) / n - 1) < 1e-3);
    const samples = pe.sample(new Rng(1), 100_000);
    const bins = new Array(10).fill(0);
    for (const s of samples) {
      assert.ok(s >= 0 && s <= 1);
      bins[Math.min(9, Math.floor(s * 10))]++;
    }
    for (let b = 0; b < 10; b++) {
      const expected = density.slice(b * 400, (b + 1) * 400).reduce((a, c) => a + c) / n;
      assert.ok(Math.abs(bins[b] / 100_000 - expected) < 0.006, `bin ${b}: ${bins[b] / 100_000} vs ${expected}`);
    }
  });
}

test('a joint numeric and categorical density sums to 1 and favours observed choices', () => {
  const dims = [
    { kind: 'numeric', low: -1, high: 2 },
    { kind: 'categorical', choices: 3 },
  ] as const;
  // Observations (0, choice 0), (1, choice 2), (1.5, choice 1).
  const pe = new ParzenEstimator(dims, Float64Array.of(0, 0, 1, 2, 1.5, 1), Float64Array.of(1, 1, 1), SCOTT);
  const n = 3000;
  let total = 0;
  const byChoice = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const pts = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      pts[2 * i] = -1 + (3 * (i + 0.5)) / n;
      pts[2 * i + 1] = c;
    }
    for (const lp of pe.logPdf(pts, n)) byChoice[c] += (Math.exp(lp) * 3) / n;
    total += byChoice[c];
  }
  assert.ok(Math.abs(total - 1) < 1e-3);
  // Near x = 0 the kernel of (0, choice 0) dominates.
  const at0 = (c: number) => pe.logPdf(Float64Array.of(0, c), 1)[0];
  assert.ok(at0(0) > at0(1) && at0(0) > at0(2));
});

test('the prior keeps density everywhere; magic clip keeps kernels from collapsing', () => {
  const pe = new ParzenEstimator([{ kind: 'numeric', low: 0, high: 1 }], Float64Array.of(0.5, 0.5, 0.5), Float64Array.of(1, 1, 1), NEIGHBORS);
  const [far, near] = pe.logPdf(Float64Array.of(0.01, 0.5), 2);
  assert.ok(Number.isFinite(far) && far > -5);
  // Three identical points: zero neighbour gaps, clipped to range / (1 + 4 kernels) = 0.2.
  assert.ok(Number.isFinite(near) && near < Math.log(3 / 4 / (0.2 * Math.sqrt(2 * Math.PI)) + 1));
});

test('the fast log density equals the plain reference on mixed spaces, both bandwidth rules', () => {
  const rng = new Rng(4);
  const dims = [
    { kind: 'numeric', low: -3, high: 0 },
    { kind: 'categorical', choices: 4 },
    { kind: 'numeric', low: 0.5, high: 100.5 },
  ] as const;
  for (const options of [SCOTT, NEIGHBORS, { ...SCOTT, priorWeight: 3, magicClip: false }]) {
    for (const m of [0, 1, 7, 60]) {
      const points = new Float64Array(m * 3);
      for (let i = 0; i < m; i++) {
        points[3 * i] = -3 + 3 * rng.uniform();
        points[3 * i + 1] = rng.int(4);
        points[3 * i + 2] = 0.5 + 100 * rng.uniform();
      }
      const weights = Float64Array.from({ length: m }, () => 0.1 + rng.uniform());
      const pe = new ParzenEstimator(dims, points, weights, options);
      const xs = pe.sample(rng, 30);
      const fast = pe.logPdf(xs, 30);
      for (let s = 0; s < 30; s++) {
        const reference = pe.logPdfReference(xs.subarray(3 * s, 3 * s + 3));
        assert.ok(Math.abs(fast[s] - reference) < 1e-6 * Math.max(1, Math.abs(reference)), `m=${m}: ${fast[s]} vs ${reference}`);
      }
    }
  }
});
