import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/util/rng.js';
import { categorical, floatParam, intParam } from '../../../src/tune/space/distributions.js';
import { describeScale, fromInternal, fromUnit, internalRange, toInternal } from '../../../src/tune/space/scale.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test('internal ranges: log10 for log, log10(1 - beta) reversed for oneMinusBeta, half cells for discrete values', () => {
  const lr = internalRange(floatParam(1e-4, 1, { scale: 'log' }));
  close(lr.low, -4);
  close(lr.high, 0);
  const beta = internalRange(floatParam(0.9, 0.999, { scale: 'oneMinusBeta' }));
  close(beta.low, -3, 1e-9); // beta = 0.999
  close(beta.high, -1, 1e-9); // beta = 0.9
  assert.deepEqual(internalRange(intParam(1, 3)), { low: 0.5, high: 3.5 });
  assert.deepEqual(internalRange(intParam(0, 10, { step: 5 })), { low: -2.5, high: 12.5 });
  const units = internalRange(intParam(16, 512, { scale: 'log' }));
  close(units.low, Math.log10(15.5));
  close(units.high, Math.log10(512.5));
});

test('toInternal and fromInternal invert each other on every scale', () => {
  const cases = [
    [floatParam(1e-4, 1, { scale: 'log' }), [1e-4, 3e-3, 0.5, 1]],
    [floatParam(0.9, 0.999, { scale: 'oneMinusBeta' }), [0.9, 0.95, 0.99, 0.999]],
    [floatParam(-2, 3), [-2, 0, 1.25, 3]],
    [floatParam(0.1, 0.5, { step: 0.1 }), [0.1, 0.2, 0.3, 0.4, 0.5]],
    [intParam(50, 100), [50, 73, 100]],
    [intParam(16, 512, { scale: 'log' }), [16, 17, 100, 512]],
    [categorical(['adam', 'momentum', null, true]), ['adam', 'momentum', null, true]],
  ] as const;
  for (const [d, values] of cases) {
    for (const v of values) {
      const back = fromInternal(d, toInternal(d, v));
      if (typeof v === 'number') close(back as number, v, 1e-12 * Math.max(1, Math.abs(v)));
      else assert.equal(back, v);
    }
  }
  // Stepped floats come back as clean decimals, not 0.30000000000000004.
  assert.equal(fromInternal(floatParam(0.1, 0.5, { step: 0.1 }), 0.31), 0.3);
  close(fromInternal(floatParam(0.9, 0.999, { scale: 'oneMinusBeta' }), -2) as number, 0.99);
});

test('fromInternal clips to the range and snaps to the grid', () => {
  assert.equal(fromInternal(intParam(50, 100), 100.49), 100);
  assert.equal(fromInternal(intParam(50, 100), 120), 100);
  assert.equal(fromInternal(intParam(0, 10, { step: 5 }), 7.4), 5);
  assert.equal(fromInternal(floatParam(1e-4, 1, { scale: 'log' }), 3), 1);
  assert.equal(fromInternal(categorical(['a', 'b']), 7), 'b');
});

test('log scale 1e-4..1 puts a quarter of the samples in each decade', () => {
  const d = floatParam(1e-4, 1, { scale: 'log' });
  const rng = new Rng(3);
  const n = 10_000;
  const decades = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) decades[Math.min(3, Math.floor(-Math.log10(fromUnit(d, rng.uniform()) as number)))]++;
  // Binomial standard deviation sqrt(n p (1-p)) = 43: allow 4 of them.
  for (const count of decades) assert.ok(Math.abs(count - n / 4) < 4 * 43, `decade counts ${decades}`);
});

test('the 1 - beta scale puts half its samples with beta above 0.99', () => {
  const d = floatParam(0.9, 0.999, { scale: 'oneMinusBeta' });
  const rng = new Rng(5);
  const n = 10_000;
  let above = 0;
  let aboveMid = 0;
  for (let i = 0; i < n; i++) {
    const beta = fromUnit(d, rng.uniform()) as number;
    assert.ok(beta >= 0.9 && beta <= 0.999);
    if (beta > 0.99) above++;
    if (beta > (0.9 + 0.999) / 2) aboveMid++;
  }
  // sd 50
  assert.ok(Math.abs(above - n / 2) < 200, `${above} of ${n} above 0.99`);
  // A uniform beta would put half above the midpoint 0.9495; this scale puts (log10(0.0505) + 3) / 2 = 85% there.
  assert.ok(Math.abs(aboveMid / n - 0.8517) < 0.015, `${aboveMid} above the midpoint`);
});

test('every integer gets the same share; log integers a share proportional to their log width', () => {
  const rng = new Rng(9);
  const n = 30_000;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = fromUnit(intParam(1, 3), rng.uniform()) as number;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  for (const v of [1, 2, 3]) assert.ok(Math.abs(counts.get(v)! - n / 3) < 4 * 82, `counts ${[...counts]}`);

  const logCounts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = fromUnit(intParam(1, 4, { scale: 'log' }), rng.uniform()) as number;
    logCounts.set(v, (logCounts.get(v) ?? 0) + 1);
  }
  // P(k) = log((k + 0.5) / (k - 0.5)) / log(4.5 / 0.5)
  for (const k of [1, 2, 3, 4]) {
    const p = Math.log((k + 0.5) / (k - 0.5)) / Math.log(9);
    assert.ok(Math.abs(logCounts.get(k)! / n - p) < 0.012, `k=${k}: ${logCounts.get(k)! / n} vs ${p}`);
  }
});

test('describeScale says how a parameter is spread', () => {
  assert.equal(describeScale(floatParam(1e-4, 1, { scale: 'log' })), 'log-uniform on [0.0001, 1]: 10^U(-4, 0)');
  assert.equal(describeScale(floatParam(0.9, 0.999, { scale: 'oneMinusBeta' })), '1 - beta log-uniform on [0.9, 0.999]: 1 - 10^U(-3, -1)');
  assert.equal(describeScale(intParam(50, 100)), 'integers 50..100, uniform');
  assert.equal(describeScale(floatParam(0, 1, { step: 0.25 })), 'uniform on {0, 0.25, ..., 1} (step 0.25)');
  assert.equal(describeScale(categorical(['adam', 'sgd'])), "one of 'adam', 'sgd'");
});
