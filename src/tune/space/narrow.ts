/**
 * Narrowing a space around its best trials: the one rule that `caviar zoom`
 * (one step, by hand) and the coarse-to-fine sampler (a step every round)
 * share. Which trials are the best is theirs to say (rank.ts ranks them;
 * zoom keeps a share of the study, coarse-to-fine a fixed number); what
 * the region around them is, is said here.
 *
 * For a numeric parameter, in the internal space of scale.ts (a learning
 * rate in log10, a beta in log10(1 - beta), an integer with its cell):
 *
 *   1. the hull of the values the best trials took (of their cells, for a
 *      discrete parameter, so a region always holds at least one value);
 *   2. padded on each side by `margin` times the width of the region being
 *      narrowed (the whole range, the first time): a hull of one point still
 *      leaves a region, and one step leaves a region at least 2 * margin
 *      as wide as the last;
 *   3. clipped to the parameter's whole range.
 *
 * A categorical parameter keeps the choices the best trials used, in its
 * own order.
 */
import type { CategoricalDistribution, Distribution, ParamValue } from '../types.js';
import { choiceKey } from './distributions.js';
import { internalRange, type InternalRange, type NumericDistribution } from './scale.js';

/** The region of a numeric parameter: an interval of its internal space. */
export interface NumericRegion {
  readonly type: 'numeric';
  readonly internal: InternalRange;
}

/** The region of a categorical parameter: some of its choices. */
export interface CategoricalRegion {
  readonly type: 'categorical';
  readonly choices: readonly ParamValue[];
}

export type Region = NumericRegion | CategoricalRegion;

export interface NarrowOptions {
  /** The padding on each side, as a fraction of the width of `within`. */
  readonly margin: number;
  /** The region being narrowed (internal space); the parameter's whole range when undefined. */
  readonly within?: InternalRange | undefined;
}

/**
 * The region of parameter `d` around `values` (those the best trials took;
 * at least one), by the rule above. `within` is the region being narrowed;
 * without it, the parameter's whole range.
 *
 * @example
 *   narrowParam(floatParam(1e-4, 1, { scale: 'log' }), [0.001, 0.01], { margin: 0.1 });
 *   // { type: 'numeric', internal: { low: -3.4, high: -1.6 } }: the hull -3..-2, padded by 0.1 * 4 decades
 *   narrowParam(categorical(['adam', 'sgd', 'rmsprop']), ['sgd', 'adam', 'sgd'], { margin: 0.1 });
 *   // { type: 'categorical', choices: ['adam', 'sgd'] }
 */
export function narrowParam(d: CategoricalDistribution, values: readonly ParamValue[], options: NarrowOptions): CategoricalRegion;
export function narrowParam(d: NumericDistribution, values: readonly ParamValue[], options: NarrowOptions): NumericRegion;
export function narrowParam(d: Distribution, values: readonly ParamValue[], options: NarrowOptions): Region;
export function narrowParam(d: Distribution, values: readonly ParamValue[], options: NarrowOptions): Region {
  if (values.length === 0) throw new RangeError('narrowParam needs the value of at least one trial');
  if (!(options.margin >= 0)) throw new RangeError(`margin must be >= 0, got ${options.margin}`);
  if (d.type === 'categorical') {
    const used = new Set(values.map(choiceKey));
    return { type: 'categorical', choices: d.choices.filter((c) => used.has(choiceKey(c))) };
  }
  const full = internalRange(d);
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    if (typeof v !== 'number') throw new TypeError(`a ${d.type} parameter took the value ${String(v)}`);
    // A value's own cell: the distribution narrowed to that one value.
    const cell = internalRange({ ...d, low: v, high: v });
    low = Math.min(low, cell.low);
    high = Math.max(high, cell.high);
  }
  const within = options.within ?? full;
  const pad = options.margin * (within.high - within.low);
  return { type: 'numeric', internal: { low: Math.max(full.low, low - pad), high: Math.min(full.high, high + pad) } };
}
