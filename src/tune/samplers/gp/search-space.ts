/**
 * The GP's view of a search space: each numeric parameter on [0, 1] of its
 * own internal scale (space/scale.ts: log10 for log floats and ints, log10(1 -
 * beta) for the course's beta, cells of width `step` for discrete values),
 * each categorical parameter as its choice index (compared by equality only,
 * see kernel.ts).
 *
 *   lr 1e-4..1 (log)  0.01 -> 0.5        units 16..512 (log int)  -> log10(15.5)..log10(512.5) on [0, 1]
 */
import type { Distribution, FrozenTrial, ParamValue } from '../../types.js';
import { choiceIndex, fromUnit, internalRange, toInternal } from '../../space/scale.js';

/** One parameter of the GP's space. */
export interface GpDimension {
  readonly name: string;
  readonly distribution: Distribution;
  /** continuous: any value; discrete: an int or a float with a step; categorical: a choice index. */
  readonly kind: 'continuous' | 'discrete' | 'categorical';
}

/**
 * The dimensions of `space`, by name in sorted order (so the same space always gives the same coordinates).
 *
 * @example
 *   gpDimensions({ lr: floatParam(1e-4, 1, { scale: 'log' }), opt: categorical(['adam', 'sgd']) });
 *   // [{ name: 'lr', kind: 'continuous', ... }, { name: 'opt', kind: 'categorical', ... }]
 */
export function gpDimensions(space: Readonly<Record<string, Distribution>>): GpDimension[] {
  return Object.keys(space)
    .sort()
    .map((name) => {
      const d = space[name];
      const kind = d.type === 'categorical' ? 'categorical' : d.type === 'int' || d.step !== undefined ? 'discrete' : 'continuous';
      return { name, distribution: d, kind };
    });
}

/**
 * A user value's GP coordinate: its fraction of the internal range, or a
 * categorical choice's index; null when the value cannot be placed (not a
 * number, not one of the choices, outside what the scale allows).
 *
 * @example
 *   toUnit(floatParam(1e-4, 1, { scale: 'log' }), 0.01); // 0.5
 *   toUnit(categorical(['a', 'b']), 'b');                // 1
 */
export function toUnit(d: Distribution, value: ParamValue): number | null {
  if (d.type === 'categorical') {
    const i = choiceIndex(d, value);
    return i < 0 ? null : i;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if ((d.scale === 'log' && !(value > 0)) || (d.scale === 'oneMinusBeta' && !(value < 1))) return null;
  const r = internalRange(d);
  const u = (toInternal(d, value) - r.low) / (r.high - r.low);
  return Math.min(1, Math.max(0, u));
}

/**
 * The user value at GP coordinate `u` (rounded to the step grid, clipped to the range; a categorical's choice at index u).
 *
 * @example
 *   fromGpCoordinate(intParam(1, 3), 0.9); // 3
 */
export function fromGpCoordinate(d: Distribution, u: number): ParamValue {
  if (d.type === 'categorical') return d.choices[Math.min(d.choices.length - 1, Math.max(0, Math.round(u)))];
  return fromUnit(d, Math.min(1, Math.max(0, u)));
}

/**
 * Snaps a coordinate to one the parameter can take: a discrete value's
 * cell centre, a categorical index. Continuous coordinates are clipped to [0, 1].
 *
 * @example
 *   snap({ name: 'n', kind: 'discrete', distribution: intParam(0, 3) }, 0.3); // 0.375 (the cell of 1)
 */
export function snap(dim: GpDimension, u: number): number {
  if (dim.kind === 'continuous') return Math.min(1, Math.max(0, u));
  if (dim.kind === 'categorical') return Math.round(u);
  return toUnit(dim.distribution, fromGpCoordinate(dim.distribution, u))!;
}

/**
 * The coordinates a local search tries for one discrete or categorical
 * parameter at coordinate `u`: every choice of a categorical; for a discrete
 * parameter with at most `exhaustive` values all of them, otherwise the four
 * neighbours on each side plus `exhaustive` values spread over the range
 * (a coarse line search, so a search can still jump across a long grid).
 *
 * @example
 *   discreteCandidates({ name: 'n', kind: 'discrete', distribution: intParam(0, 3) }, 0.375); // 4 coordinates
 */
export function discreteCandidates(dim: GpDimension, u: number, exhaustive = 16): number[] {
  const d = dim.distribution;
  if (d.type === 'categorical') return d.choices.map((_, i) => i);
  const step = d.type === 'int' ? d.step : d.step!;
  const count = Math.floor((d.high - d.low) / step + 1e-9) + 1;
  const values = new Set<number>();
  if (count <= exhaustive) {
    for (let k = 0; k < count; k++) values.add(d.low + k * step);
  } else {
    const at = fromGpCoordinate(d, u) as number;
    for (let k = -4; k <= 4; k++) values.add(Math.min(d.high, Math.max(d.low, at + k * step)));
    for (let k = 0; k < exhaustive; k++) values.add(fromGpCoordinate(d, (k + 0.5) / exhaustive) as number);
  }
  const out = new Set<number>();
  for (const v of values) out.add(snap(dim, toUnit(d, v)!));
  return [...out];
}

/**
 * The parameters every complete trial has, each with one distribution
 * (single-valued ones left out): the space the GP models jointly.
 *
 * @example
 *   intersectionSpace(study.trials(['complete'])); // { lr: ..., units: ... }
 */
export function intersectionSpace(trials: readonly FrozenTrial[]): Record<string, Distribution> {
  let common: Map<string, Distribution> | undefined;
  for (const t of trials) {
    if (common === undefined) {
      common = new Map(Object.entries(t.distributions));
      continue;
    }
    for (const [name, d] of common) {
      const other = t.distributions[name];
      if (other === undefined || !sameDistribution(d, other)) common.delete(name);
    }
    if (common.size === 0) break;
  }
  const out: Record<string, Distribution> = {};
  for (const [name, d] of common ?? []) {
    const single = d.type === 'categorical' ? d.choices.length === 1 : d.low === d.high;
    if (!single) out[name] = d;
  }
  return out;
}

/**
 * Whether two distributions are the same (field by field).
 *
 * @example
 *   sameDistribution(intParam(1, 3), intParam(1, 3)); // true
 */
export function sameDistribution(a: Distribution, b: Distribution): boolean {
  if (a === b) return true;
  if (a.type === 'categorical' || b.type === 'categorical') {
    return a.type === 'categorical' && b.type === 'categorical' && JSON.stringify(a.choices) === JSON.stringify(b.choices);
  }
  return a.type === b.type && a.low === b.low && a.high === b.high && a.scale === b.scale && a.step === b.step;
}
