import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greedyHypervolumeSubset, hypervolume, hypervolumeContributions, studyHypervolume } from '../../../src/tune/multi/hypervolume.js';
import { Rng } from '../../../src/util/rng.js';

// The exact volume by inclusion-exclusion over every subset: the union of boxes [p, r] is
// sum over non-empty subsets S of (-1)^(|S|+1) vol(box of the component-wise max of S). 2^n terms.
function inclusionExclusion(points: number[][], reference: number[]): number {
  const n = points.length;
  let total = 0;
  for (let mask = 1; mask < 1 << n; mask++) {
    const corner = reference.map(() => -Infinity);
    let size = 0;
    for (let i = 0; i < n; i++) {
      if (!(mask & (1 << i))) continue;
      size++;
      points[i].forEach((x, k) => (corner[k] = Math.max(corner[k], x)));
    }
    let box = 1;
    for (let k = 0; k < reference.length; k++) box *= Math.max(0, reference[k] - corner[k]);
    total += size % 2 === 1 ? box : -box;
  }
  return total;
}

function randomPoints(rng: Rng, n: number, m: number, onSphere: boolean): number[][] {
  return Array.from({ length: n }, () => {
    const p = Array.from({ length: m }, () => rng.uniform());
    if (!onSphere) return p;
    const norm = Math.hypot(...p);
    return p.map((x) => x / norm); // mutually non-dominated: every point matters
  });
}

test('hypervolume: known values in 1, 2 and 3 objectives', () => {
  assert.equal(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4]), 6);
  assert.equal(hypervolume([[0, 0, 0]], [1, 2, 3]), 6);
  assert.equal(hypervolume([[2], [1]], [3]), 2);
  // Dominated points, duplicates and points outside the reference add nothing.
  assert.equal(hypervolume([[1, 3], [2, 2], [3, 1], [3, 3], [2, 2], [5, 0], [0, 4]], [4, 4]), 6);
  assert.equal(hypervolume([], [1, 1]), 0);
  // A dominated box adds nothing; two boxes of 0.5 overlapping in 0.25 make 0.75.
  assert.equal(hypervolume([[0, 0, 0], [0.5, 0, 0]], [1, 1, 1]), 1);
  assert.equal(hypervolume([[0, 0.5, 0], [0.5, 0, 0]], [1, 1, 1]), 0.75);
  assert.throws(() => hypervolume([[1, 2, 3]], [4, 4]), /3 objectives, the reference point 2/);
});

test('hypervolume equals inclusion-exclusion on random sets in 2 to 5 objectives', () => {
  const rng = new Rng(7);
  for (const m of [2, 3, 4, 5]) {
    for (let rep = 0; rep < 15; rep++) {
      const n = 1 + rng.int(10);
      const points = randomPoints(rng, n, m, rep % 2 === 0);
      const reference = Array.from({ length: m }, () => 1 + 0.2 * rng.uniform());
      const exact = inclusionExclusion(points, reference);
      const hv = hypervolume(points, reference);
      assert.ok(Math.abs(hv - exact) < 1e-12 * Math.max(1, exact), `m=${m} n=${n}: ${hv} vs ${exact}`);
    }
  }
});

test('hypervolume of 60 points on a 3-D sphere agrees with a Monte Carlo estimate', () => {
  const rng = new Rng(11);
  const points = randomPoints(rng, 60, 3, true);
  const reference = [1.1, 1.1, 1.1];
  const hv = hypervolume(points, reference);
  const samples = 200_000;
  let inside = 0;
  for (let s = 0; s < samples; s++) {
    const z = reference.map((r) => r * rng.uniform());
    if (points.some((p) => p.every((x, k) => x <= z[k]))) inside++;
  }
  const estimate = (inside / samples) * 1.1 ** 3;
  const stderr = 1.1 ** 3 * Math.sqrt((inside / samples) * (1 - inside / samples) / samples);
  assert.ok(Math.abs(hv - estimate) < 4 * stderr, `exact ${hv}, Monte Carlo ${estimate} +- ${stderr}`);
  // The front covers most of the cube beyond the unit sphere's octant (1.331 - pi/6 = 0.807 for a full front).
  assert.ok(hv > 0.6 && hv < 0.807, `${hv}`);
});

test('studyHypervolume flips maximized objectives', () => {
  assert.ok(Math.abs(studyHypervolume([[0.9, 2]], ['maximize', 'minimize'], [0.5, 10]) - 3.2) < 1e-12);
  assert.equal(studyHypervolume([[0.4, 2]], ['maximize', 'minimize'], [0.5, 10]), 0);
});

test('contributions and the greedy subset', () => {
  assert.deepEqual([...hypervolumeContributions([[1, 3], [2, 2], [3, 1]], [4, 4])], [1, 1, 1]);
  assert.deepEqual([...hypervolumeContributions([[1, 1], [2, 2]], [4, 4])], [5, 0]);
  assert.deepEqual(greedyHypervolumeSubset([[1, 3], [2, 2], [3, 1], [2.5, 2.5]], 2, [4, 4]), [1, 0]);
  assert.deepEqual(greedyHypervolumeSubset([[1, 3], [2, 2]], 5, [4, 4]).sort(), [0, 1]);
});
