import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blobs, circles, spirals, xor } from '../../src/data/synthetic.js';
import { validateDataset } from '../../src/data/validate.js';
import type { Dataset } from '../../src/data/dataset.js';

function classCounts(ds: Dataset): number[] {
  const counts = new Array(ds.classes).fill(0);
  for (const label of ds.y) counts[label]++;
  return counts;
}

test('spirals: shape, class balance, and the CS231n radius and angle', () => {
  const ds = spirals({ classes: 3, perClass: 100, noise: 0.2, seed: 0 });
  validateDataset(ds, 'spirals');
  assert.equal(ds.count, 300);
  assert.equal(ds.features, 2);
  assert.equal(ds.classes, 3);
  assert.deepEqual(classCounts(ds), [100, 100, 100]);
  // Noise moves only the angle: the radius of point i of each arm is exactly i / 99.
  for (let n = 0; n < ds.count; n++) {
    const i = n % 100;
    assert.ok(Math.abs(Math.hypot(ds.x[2 * n], ds.x[2 * n + 1]) - i / 99) < 1e-6);
    assert.equal(ds.y[n], Math.floor(n / 100));
  }
  // Without noise, point i of arm j lies at angle 4j + 4i/99 (x = r sin t, y = r cos t).
  const clean = spirals({ classes: 3, perClass: 100, noise: 0 });
  const n = 150; // arm 1, i = 50
  const t = 4 + (4 * 50) / 99;
  const r = 50 / 99;
  assert.ok(Math.abs(clean.x[2 * n] - r * Math.sin(t)) < 1e-6);
  assert.ok(Math.abs(clean.x[2 * n + 1] - r * Math.cos(t)) < 1e-6);
});

test('synthetic sets are deterministic for a seed and differ across seeds', () => {
  for (const make of [
    (seed: number) => spirals({ seed }),
    (seed: number) => spirals({ seed, turns: 1.5, classes: 2 }),
    (seed: number) => blobs({ seed, features: 4 }),
    (seed: number) => circles({ seed }),
    (seed: number) => xor({ seed }),
  ]) {
    assert.deepEqual(Array.from(make(11).x), Array.from(make(11).x));
    assert.notDeepEqual(Array.from(make(11).x), Array.from(make(12).x));
  }
});

test('spirals with turns start each arm at 2*pi*j/classes', () => {
  const ds = spirals({ classes: 4, perClass: 3, noise: 0, turns: 1 });
  // i = 1 of 3: r = 0.5, t = 2*pi*j/4 + 2*pi*0.5
  for (let j = 0; j < 4; j++) {
    const t = (2 * Math.PI * j) / 4 + Math.PI;
    const n = 3 * j + 1;
    assert.ok(Math.abs(ds.x[2 * n] - 0.5 * Math.sin(t)) < 1e-6);
    assert.ok(Math.abs(ds.x[2 * n + 1] - 0.5 * Math.cos(t)) < 1e-6);
  }
});

test('blobs gather around one center per class, inside the box', () => {
  const flat = blobs({ classes: 3, perClass: 5, features: 4, spread: 0, seed: 3 });
  validateDataset(flat, 'blobs');
  assert.deepEqual(classCounts(flat), [5, 5, 5]);
  for (let n = 0; n < flat.count; n++) {
    const first = Math.floor(n / 5) * 5;
    for (let f = 0; f < 4; f++) {
      assert.equal(flat.x[n * 4 + f], flat.x[first * 4 + f], 'spread 0: every example is its center');
      assert.ok(Math.abs(flat.x[n * 4 + f]) <= 10);
    }
  }
  // With spread 1 the mean of 2000 examples is within a few hundredths of the center.
  const wide = blobs({ classes: 3, perClass: 2000, features: 4, spread: 1, seed: 3 });
  for (let j = 0; j < 3; j++) {
    for (let f = 0; f < 4; f++) {
      let sum = 0;
      for (let i = 0; i < 2000; i++) sum += wide.x[(j * 2000 + i) * 4 + f];
      assert.ok(Math.abs(sum / 2000 - flat.x[j * 5 * 4 + f]) < 0.1);
    }
  }
});

test('circles and xor have the geometry their names promise', () => {
  const c = circles({ perClass: 40, factor: 0.3, noise: 0 });
  assert.deepEqual(classCounts(c), [40, 40]);
  for (let n = 0; n < c.count; n++) {
    assert.ok(Math.abs(Math.hypot(c.x[2 * n], c.x[2 * n + 1]) - (c.y[n] === 0 ? 1 : 0.3)) < 1e-6);
  }
  const x = xor({ perClass: 60, seed: 9 });
  validateDataset(x, 'xor');
  assert.deepEqual(classCounts(x), [60, 60]);
  for (let n = 0; n < x.count; n++) {
    const [a, b] = [x.x[2 * n], x.x[2 * n + 1]];
    assert.ok(Math.abs(a) <= 1 && Math.abs(b) <= 1);
    assert.equal(x.y[n], a > 0 !== b > 0 ? 1 : 0);
  }
  assert.throws(() => circles({ factor: 1 }), /factor must be in \(0, 1\)/);
  assert.throws(() => spirals({ perClass: 0 }), /perClass must be a positive integer/);
});
