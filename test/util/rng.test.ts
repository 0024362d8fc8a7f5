import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';

test('the same seed gives the same stream, another seed another stream', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const c = new Rng(8);
  const sa = Array.from({ length: 5 }, () => a.uint32());
  const sb = Array.from({ length: 5 }, () => b.uint32());
  const sc = Array.from({ length: 5 }, () => c.uint32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

test('uniform, int and normal have the right moments', () => {
  const rng = new Rng(1);
  const n = 200_000;
  let sum = 0;
  let sumNormal = 0;
  let sumNormalSq = 0;
  const counts = new Array(7).fill(0);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    counts[rng.int(7)]++;
    const z = rng.normal();
    sumNormal += z;
    sumNormalSq += z * z;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.005);
  for (const c of counts) assert.ok(Math.abs(c / n - 1 / 7) < 0.005, `int(7) bucket ${c}`);
  assert.ok(Math.abs(sumNormal / n) < 0.01);
  assert.ok(Math.abs(sumNormalSq / n - 1) < 0.02);
});

test('shuffle is a permutation and seeded', () => {
  const a = new Rng(3).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const b = new Rng(3).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(a, b);
  assert.deepEqual([...a].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(a, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('bad seeds and bad ranges are clear errors', () => {
  assert.throws(() => new Rng(NaN), /seed must be a finite number/);
  assert.throws(() => new Rng(1).int(0), /positive integer/);
});
