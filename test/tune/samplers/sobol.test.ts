import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SOBOL_DIMENSIONS_ATTR, SobolSampler, SobolSequence } from '../../../src/tune/samplers/sobol.js';
import { SOBOL_MAX_DIMENSIONS } from '../../../src/tune/samplers/sobol-directions.js';
import { floatParam } from '../../../src/tune/space/distributions.js';
import { MemoryStudy } from '../helpers.js';

test('unscrambled points match the Joe-Kuo reference generator (golden values)', () => {
  const s = new SobolSequence(5);
  const expected = [
    [0, 0, 0, 0, 0],
    [0.5, 0.5, 0.5, 0.5, 0.5],
    [0.75, 0.25, 0.25, 0.25, 0.75],
    [0.25, 0.75, 0.75, 0.75, 0.25],
    [0.375, 0.375, 0.625, 0.875, 0.375],
    [0.875, 0.875, 0.125, 0.375, 0.875],
    [0.625, 0.125, 0.875, 0.625, 0.625],
    [0.125, 0.625, 0.375, 0.125, 0.125],
  ];
  expected.forEach((point, n) => assert.deepEqual(s.point(n), point));
});

test('the first 2^m points put exactly one point in each of 2^m slices of every axis, scrambled or not', () => {
  assert.ok(SOBOL_MAX_DIMENSIONS >= 21);
  const n = 256;
  for (const seq of [new SobolSequence(SOBOL_MAX_DIMENSIONS), new SobolSequence(SOBOL_MAX_DIMENSIONS, { seed: 11 })]) {
    for (let d = 0; d < SOBOL_MAX_DIMENSIONS; d++) {
      const slices = new Array(n).fill(0);
      for (let i = 0; i < n; i++) slices[Math.floor(seq.coordinate(i, d) * n)]++;
      assert.ok(
        slices.every((c) => c === 1),
        `dimension ${d}`,
      );
    }
  }
});

test('pairs of dimensions are nets: 2^8 points fill each 16 x 16 box of the first pairs exactly once', () => {
  // A (t, m, 2)-net with t <= 0 for these pairs of the Joe-Kuo table; scrambling keeps it.
  for (const seq of [new SobolSequence(3), new SobolSequence(3, { seed: 2 })]) {
    for (const [a, b] of [
      [0, 1],
      [0, 2],
    ]) {
      const boxes = new Set<number>();
      for (let i = 0; i < 256; i++) boxes.add(Math.floor(seq.coordinate(i, a) * 16) * 16 + Math.floor(seq.coordinate(i, b) * 16));
      assert.equal(boxes.size, 256);
    }
  }
});

test('scrambling depends on the seed and keeps points in [0, 1)', () => {
  const a = new SobolSequence(4, { seed: 1 });
  const b = new SobolSequence(4, { seed: 1 });
  const c = new SobolSequence(4, { seed: 2 });
  assert.deepEqual(a.point(5), b.point(5));
  assert.notDeepEqual(a.point(5), c.point(5));
  for (let i = 0; i < 100; i++) for (const x of a.point(i)) assert.ok(x >= 0 && x < 1);
});

test('the sampler gives trial n point n, one dimension per parameter, recorded with the study', () => {
  const study = new MemoryStudy('minimize', new SobolSampler({ seed: 3 }));
  const xs: number[] = [];
  for (let i = 0; i < 64; i++) {
    const t = study.ask();
    xs.push(t.num('x', floatParam(0, 1)));
    t.num('lr', floatParam(1e-4, 1, { scale: 'log' }));
    study.tell(t, 0);
  }
  assert.deepEqual(study.systemAttrs[SOBOL_DIMENSIONS_ATTR], ['x', 'lr']);
  const quarters = [0, 0, 0, 0];
  for (const x of xs) quarters[Math.floor(x * 4)]++;
  assert.deepEqual(quarters, [16, 16, 16, 16]);
  // lr is stratified on its own (log) scale: 16 per decade.
  const decades = [0, 0, 0, 0];
  for (const t of study.trials()) decades[Math.min(3, Math.floor(-Math.log10(t.params.lr as number)))]++;
  assert.deepEqual(decades, [16, 16, 16, 16]);
});

test('beyond the table, parameters are sampled at random and the study says so', () => {
  const study = new MemoryStudy('minimize', new SobolSampler({ seed: 3 }));
  const t = study.ask();
  for (let d = 0; d <= SOBOL_MAX_DIMENSIONS; d++) t.num(`p${d}`, floatParam(0, 1));
  assert.match(String(study.systemAttrs['sobol.note']), new RegExp(`p${SOBOL_MAX_DIMENSIONS}\\) are sampled at random`));
});
