/**
 * Generated data sets, so the quickstart runs with no download. Each is fixed
 * by its seed: the same options give the same numbers on every machine.
 * Examples come ordered by class (shuffle when splitting or batching).
 *
 * - `spirals`: the CS231n spiral, which no linear classifier can separate
 *   but a small hidden layer can: the "hello world" of a first network.
 * - `blobs`: Gaussian clusters in any number of dimensions (easy, tunable).
 * - `circles`: two concentric rings, a nonlinear two-class problem.
 * - `xor`: the four quadrants labelled by sign(x1) xor sign(x2).
 */
import type { Dataset } from './dataset.js';
import { Rng } from '../util/rng.js';

export interface SpiralsOptions {
  classes?: number; // default 3
  perClass?: number; // default 100
  /** Standard deviation of the angle noise, in radians (default 0.2, as in CS231n). */
  noise?: number;
  seed?: number; // default 0
  /**
   * Turns of each arm. Left out, the arms follow CS231n exactly: arm j sweeps
   * the angles 4j..4(j+1) radians. Given, arm j starts at 2*pi*j/classes and
   * sweeps 2*pi*turns radians (more turns, harder problem).
   */
  turns?: number;
}

/**
 * The CS231n spiral data set, 2 features: for arm j and i = 0..N-1,
 * r = i/(N-1), t = start_j + sweep * i/(N-1) + noise * randn,
 * x = (r sin t, r cos t).
 *
 * @example
 *   const ds = spirals({ classes: 3, perClass: 100, noise: 0.2, seed: 0 });
 *   ds.count;    // 300
 *   ds.features; // 2
 */
export function spirals(options: SpiralsOptions = {}): Dataset {
  const classes = positiveInt(options.classes ?? 3, 'spirals', 'classes');
  const perClass = positiveInt(options.perClass ?? 100, 'spirals', 'perClass');
  const noise = nonNegative(options.noise ?? 0.2, 'spirals', 'noise');
  if (options.turns !== undefined) nonNegative(options.turns, 'spirals', 'turns');
  const rng = new Rng(options.seed ?? 0);
  const x = new Float32Array(classes * perClass * 2); // [count][2]
  const y = new Int32Array(classes * perClass);
  // np.linspace(a, b, N): with N = 1 the single point is a.
  const step = perClass > 1 ? 1 / (perClass - 1) : 0;
  for (let j = 0; j < classes; j++) {
    const start = options.turns === undefined ? 4 * j : (2 * Math.PI * j) / classes;
    const sweep = options.turns === undefined ? 4 : 2 * Math.PI * options.turns;
    for (let i = 0; i < perClass; i++) {
      const n = j * perClass + i;
      const r = i * step;
      const t = start + sweep * i * step + noise * rng.normal();
      x[2 * n] = r * Math.sin(t);
      x[2 * n + 1] = r * Math.cos(t);
      y[n] = j;
    }
  }
  return { x, y, count: classes * perClass, features: 2, classes, featureNames: ['x1', 'x2'] };
}

export interface BlobsOptions {
  classes?: number; // default 3
  perClass?: number; // default 100
  features?: number; // default 2
  /** Standard deviation of each blob around its center (default 1). */
  spread?: number;
  /** Centers are drawn uniformly from [-box, box] in every feature (default 10, as scikit-learn). */
  box?: number;
  seed?: number; // default 0
}

/**
 * Gaussian blobs: one center per class drawn from the seed, each example its
 * center plus spread * N(0, 1) noise in every feature.
 *
 * @example
 *   const ds = blobs({ classes: 4, perClass: 50, features: 5, spread: 1.5, seed: 7 });
 *   ds.count; // 200
 */
export function blobs(options: BlobsOptions = {}): Dataset {
  const classes = positiveInt(options.classes ?? 3, 'blobs', 'classes');
  const perClass = positiveInt(options.perClass ?? 100, 'blobs', 'perClass');
  const features = positiveInt(options.features ?? 2, 'blobs', 'features');
  const spread = nonNegative(options.spread ?? 1, 'blobs', 'spread');
  const box = nonNegative(options.box ?? 10, 'blobs', 'box');
  const rng = new Rng(options.seed ?? 0);
  const centers = Array.from({ length: classes }, () => Array.from({ length: features }, () => rng.range(-box, box)));
  const count = classes * perClass;
  const x = new Float32Array(count * features); // [count][features]
  const y = new Int32Array(count);
  for (let j = 0; j < classes; j++) {
    for (let i = 0; i < perClass; i++) {
      const n = j * perClass + i;
      for (let f = 0; f < features; f++) x[n * features + f] = centers[j][f] + spread * rng.normal();
      y[n] = j;
    }
  }
  return { x, y, count, features, classes };
}

export interface CirclesOptions {
  perClass?: number; // default 100
  /** Radius of the inner ring (class 1) relative to the outer one (class 0, radius 1). Default 0.5. */
  factor?: number;
  /** Standard deviation of Gaussian noise added to each coordinate (default 0.05). */
  noise?: number;
  seed?: number; // default 0
}

/**
 * Two concentric rings (class 0 outside, radius 1; class 1 inside, radius
 * `factor`), evenly spaced in angle, plus noise: separable by a circle, not a line.
 *
 * @example
 *   const ds = circles({ perClass: 50, factor: 0.3, noise: 0.1, seed: 2 });
 *   ds.classes; // 2
 */
export function circles(options: CirclesOptions = {}): Dataset {
  const perClass = positiveInt(options.perClass ?? 100, 'circles', 'perClass');
  const factor = options.factor ?? 0.5;
  if (!(factor > 0 && factor < 1)) throw new RangeError(`circles: factor must be in (0, 1), got ${factor}`);
  const noise = nonNegative(options.noise ?? 0.05, 'circles', 'noise');
  const rng = new Rng(options.seed ?? 0);
  const x = new Float32Array(2 * perClass * 2);
  const y = new Int32Array(2 * perClass);
  for (let j = 0; j < 2; j++) {
    const radius = j === 0 ? 1 : factor;
    for (let i = 0; i < perClass; i++) {
      const n = j * perClass + i;
      const t = (2 * Math.PI * i) / perClass;
      x[2 * n] = radius * Math.cos(t) + noise * rng.normal();
      x[2 * n + 1] = radius * Math.sin(t) + noise * rng.normal();
      y[n] = j;
    }
  }
  return { x, y, count: 2 * perClass, features: 2, classes: 2, featureNames: ['x1', 'x2'] };
}

export interface XorOptions {
  perClass?: number; // default 100
  /** Standard deviation of the noise added to each coordinate (default 0). */
  noise?: number;
  seed?: number; // default 0
}

/**
 * XOR: points uniform in [-1, 1]^2, label 1 when exactly one coordinate is
 * positive. The classic problem a single neuron cannot learn. Points are drawn
 * until each class has `perClass` (noise is added after labelling, so it may
 * push a point across an axis: that is label noise on purpose).
 *
 * @example
 *   const ds = xor({ perClass: 100, seed: 3 });
 *   ds.count; // 200
 */
export function xor(options: XorOptions = {}): Dataset {
  const perClass = positiveInt(options.perClass ?? 100, 'xor', 'perClass');
  const noise = nonNegative(options.noise ?? 0, 'xor', 'noise');
  const rng = new Rng(options.seed ?? 0);
  const x = new Float32Array(2 * perClass * 2);
  const y = new Int32Array(2 * perClass);
  const filled = [0, 0];
  while (filled[0] < perClass || filled[1] < perClass) {
    const a = rng.range(-1, 1);
    const b = rng.range(-1, 1);
    if (a === 0 || b === 0) continue;
    const label = a > 0 !== b > 0 ? 1 : 0;
    if (filled[label] === perClass) continue;
    const n = label * perClass + filled[label]++;
    x[2 * n] = a + noise * rng.normal();
    x[2 * n + 1] = b + noise * rng.normal();
    y[n] = label;
  }
  return { x, y, count: 2 * perClass, features: 2, classes: 2, featureNames: ['x1', 'x2'] };
}

function positiveInt(v: number, fn: string, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${fn}: ${name} must be a positive integer, got ${v}`);
  return v;
}

function nonNegative(v: number, fn: string, name: string): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${fn}: ${name} must be a finite number >= 0, got ${v}`);
  return v;
}
