/**
 * Standard multi-objective test problems, as objectives of the vector study
 * (study.ts), shared by the sampler tests and bench/multi.ts: ZDT1 and ZDT2
 * (Zitzler, Deb & Thiele 2000), DTLZ2 (Deb, Thiele, Laumanns & Zitzler
 * 2002) and Binh and Korn's constrained problem. All minimize every
 * objective; `reference` is the hypervolume reference point the benchmark
 * uses.
 */
import type { Direction } from '../../../src/tune/types.js';
import { floatParam } from '../../../src/tune/space/distributions.js';
import type { Outcome, VectorTrial } from './study.js';

export interface Problem {
  readonly name: string;
  readonly directions: readonly Direction[];
  readonly reference: readonly number[];
  readonly objective: (t: VectorTrial) => Outcome;
}

const UNIT = floatParam(0, 1);

function unitVector(t: VectorTrial, n: number): number[] {
  return Array.from({ length: n }, (_, i) => t.num(`x${i}`, UNIT));
}

/** ZDT1 (convex front f2 = 1 - sqrt(f1)) or ZDT2 (concave, f2 = 1 - f1^2) in `n` dimensions. */
export function zdt(kind: 1 | 2, n: number): Problem {
  return {
    name: `zdt${kind}`,
    directions: ['minimize', 'minimize'],
    reference: [1.1, 11],
    objective: (t) => {
      const x = unitVector(t, n);
      let sum = 0;
      for (let i = 1; i < n; i++) sum += x[i];
      const g = 1 + (9 * sum) / (n - 1);
      const ratio = x[0] / g;
      return { values: [x[0], g * (1 - (kind === 1 ? Math.sqrt(ratio) : ratio * ratio))] };
    },
  };
}

/** DTLZ2 with 3 objectives in `n` dimensions (front: the positive octant of the unit sphere). */
export function dtlz2(n: number): Problem {
  return {
    name: 'dtlz2',
    directions: ['minimize', 'minimize', 'minimize'],
    reference: [2.5, 2.5, 2.5],
    objective: (t) => {
      const x = unitVector(t, n);
      let g = 0;
      for (let i = 2; i < n; i++) g += (x[i] - 0.5) ** 2;
      const a = (x[0] * Math.PI) / 2;
      const b = (x[1] * Math.PI) / 2;
      return { values: [(1 + g) * Math.cos(a) * Math.cos(b), (1 + g) * Math.cos(a) * Math.sin(b), (1 + g) * Math.sin(a)] };
    },
  };
}

/** Binh and Korn: x in [0, 5] x [0, 3], two constraints (<= 0 feasible). */
export function binhKorn(): Problem {
  const X = floatParam(0, 5);
  const Y = floatParam(0, 3);
  return {
    name: 'binh-korn',
    directions: ['minimize', 'minimize'],
    reference: [140, 50],
    objective: (t) => {
      const x = t.num('x', X);
      const y = t.num('y', Y);
      return {
        values: [4 * x * x + 4 * y * y, (x - 5) ** 2 + (y - 5) ** 2],
        constraints: [(x - 5) ** 2 + y * y - 25, 7.7 - (x - 8) ** 2 - (y + 3) ** 2],
      };
    },
  };
}

/**
 * C2-DTLZ2 (Jain & Deb 2014), 3 objectives in `n` dimensions: DTLZ2 whose
 * front is feasible only in four small patches (near each axis' end and
 * around the centre), radius 0.4; most random points are infeasible.
 */
export function c2dtlz2(n: number): Problem {
  const base = dtlz2(n);
  const r = 0.4;
  return {
    name: 'c2-dtlz2',
    directions: base.directions,
    reference: base.reference,
    objective: (t) => {
      const f = base.objective(t).values;
      const m = f.length;
      let c = Infinity;
      for (let i = 0; i < m; i++) {
        let s = (f[i] - 1) ** 2 - r * r;
        for (let j = 0; j < m; j++) if (j !== i) s += f[j] ** 2;
        c = Math.min(c, s);
      }
      let centre = -r * r;
      for (const v of f) centre += (v - 1 / Math.sqrt(m)) ** 2;
      return { values: f, constraints: [Math.min(c, centre)] };
    },
  };
}
