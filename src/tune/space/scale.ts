/**
 * The scales as first-class transforms between a parameter's own values (what
 * the user sees) and the internal space samplers model, where each scale is
 * uniform:
 *
 *   linear        x            0.5..2       -> 0.5..2
 *   log           log10(x)     1e-4..1      -> -4..0
 *   oneMinusBeta  log10(1 - x) 0.9..0.999   -> -1..-3   (reversed: beta near 1 is internal low)
 *   int           x            50..100      -> 49.5..100.5  (each integer owns a cell of width step)
 *   int, log      log10(x)     16..512      -> log10(15.5)..log10(512.5)
 *   categorical   index        ['a', 'b']   -> 0, 1
 *
 * Discrete values (ints, floats with a step) own a cell of width `step`
 * centred on them, so a uniform draw over the internal range gives every
 * value the same chance (on the log scale: a chance proportional to its
 * width on a log axis). Every sampler, plot and importance measure that goes
 * through these functions sees a parameter on the same scale.
 */
import type { CategoricalDistribution, Distribution, FloatDistribution, IntDistribution, ParamValue } from '../types.js';
import { choiceKey, showValue } from './distributions.js';

/** A numeric distribution: one with an internal range. */
export type NumericDistribution = FloatDistribution | IntDistribution;

/** An interval of the internal space, low <= high. */
export interface InternalRange {
  readonly low: number;
  readonly high: number;
}

/**
 * The internal interval samplers draw from: uniform draws over it give the distribution's scale.
 *
 * @example
 *   internalRange(floatParam(1e-4, 1, { scale: 'log' }));            // { low: -4, high: 0 }
 *   internalRange(floatParam(0.9, 0.999, { scale: 'oneMinusBeta' })); // { low: -3, high: -1 } (about)
 *   internalRange(intParam(1, 3));                                    // { low: 0.5, high: 3.5 }
 */
export function internalRange(d: NumericDistribution): InternalRange {
  if (d.type === 'int') {
    if (d.scale === 'log') return { low: Math.log10(d.low - 0.5), high: Math.log10(d.high + 0.5) };
    return { low: d.low - d.step / 2, high: d.high + d.step / 2 };
  }
  switch (d.scale) {
    case 'log':
      return { low: Math.log10(d.low), high: Math.log10(d.high) };
    case 'oneMinusBeta':
      // Reversed: the largest beta has the smallest 1 - beta.
      return { low: Math.log10(1 - d.high), high: Math.log10(1 - d.low) };
    case 'linear':
      return d.step === undefined ? { low: d.low, high: d.high } : { low: d.low - d.step / 2, high: d.high + d.step / 2 };
  }
}

/**
 * A user value's internal coordinate (categorical: the index of the choice).
 *
 * @example
 *   toInternal(floatParam(0.9, 0.999, { scale: 'oneMinusBeta' }), 0.99); // -2 (about)
 *   toInternal(categorical(['adam', 'sgd']), 'sgd');                      // 1
 */
export function toInternal(d: Distribution, value: ParamValue): number {
  if (d.type === 'categorical') {
    const index = choiceIndex(d, value);
    if (index < 0) throw new RangeError(`${showValue(value)} is not one of the choices ${d.choices.map(showValue).join(', ')}`);
    return index;
  }
  if (typeof value !== 'number') throw new TypeError(`expected a number for a ${d.type} parameter, got ${showValue(value)}`);
  if (d.scale === 'log') return Math.log10(value);
  if (d.scale === 'oneMinusBeta') return Math.log10(1 - value);
  return value;
}

/**
 * The number at internal coordinate `x` on the scale of `d`, the scale
 * inverted and nothing more: not snapped to a step, not clipped (what a
 * range's ends need before they are rounded for a person to read).
 *
 * @example
 *   unscale(floatParam(1e-4, 1, { scale: 'log' }), -2.5);  // 0.00316...
 *   unscale(intParam(50, 100), 73.4);                      // 73.4
 */
export function unscale(d: NumericDistribution, x: number): number {
  if (d.scale === 'log') return 10 ** x;
  if (d.scale === 'oneMinusBeta') return 1 - 10 ** x;
  return x;
}

/**
 * The user value at internal coordinate `x`: inverts the scale, snaps to the
 * step grid, clips to [low, high]. Categorical: the choice at index `round(x)`.
 *
 * @example
 *   fromInternal(floatParam(1e-4, 1, { scale: 'log' }), -2);              // 0.01
 *   fromInternal(floatParam(0.9, 0.999, { scale: 'oneMinusBeta' }), -2);  // 0.99
 *   fromInternal(intParam(50, 100), 73.4);                                // 73
 */
export function fromInternal(d: Distribution, x: number): ParamValue {
  if (d.type === 'categorical') {
    const i = Math.min(d.choices.length - 1, Math.max(0, Math.round(x)));
    return d.choices[i];
  }
  let v = unscale(d, x);
  if (d.step !== undefined) {
    const k = Math.round((v - d.low) / d.step);
    v = d.low + k * d.step;
    // Decimal steps drift: 0.1 + 2 * 0.1 is 0.30000000000000004.
    if (d.type === 'float') v = Number(v.toPrecision(14));
  } else if (d.type === 'int') {
    v = Math.round(v);
  }
  return Math.min(d.high, Math.max(d.low, v));
}

/**
 * The value at fraction `u` in [0, 1) of the internal range (or of `range`,
 * a part of it): what random, quasi-random and coarse-to-fine samplers use to
 * turn a uniform number into a parameter value on the right scale.
 *
 * @example
 *   fromUnit(floatParam(1e-4, 1, { scale: 'log' }), 0.5);   // 0.01
 *   fromUnit(categorical(['a', 'b', 'c']), 0.7);            // 'c'
 */
export function fromUnit(d: Distribution, u: number, range?: InternalRange): ParamValue {
  if (d.type === 'categorical') return d.choices[Math.min(d.choices.length - 1, Math.floor(u * d.choices.length))];
  const r = range ?? internalRange(d);
  return fromInternal(d, r.low + u * (r.high - r.low));
}

/**
 * The index of `value` among the choices of `d`, or -1.
 *
 * @example
 *   choiceIndex(categorical(['adam', 'sgd']), 'sgd'); // 1
 */
export function choiceIndex(d: CategoricalDistribution, value: ParamValue): number {
  const key = choiceKey(value);
  return d.choices.findIndex((c) => choiceKey(c) === key);
}

/**
 * One line that says how a parameter is spread, for logs, reports and plot captions.
 *
 * @example
 *   describeScale(floatParam(1e-4, 1, { scale: 'log' }));
 *   // 'log-uniform on [0.0001, 1]: 10^U(-4, 0)'
 *   describeScale(floatParam(0.9, 0.999, { scale: 'oneMinusBeta' }));
 *   // '1 - beta log-uniform on [0.9, 0.999]: 1 - 10^U(-3, -1)'
 */
export function describeScale(d: Distribution): string {
  if (d.type === 'categorical') return `one of ${d.choices.map(showValue).join(', ')}`;
  const r = (x: number): string => String(Number(x.toPrecision(6)));
  if (d.type === 'int') {
    const stepText = d.step === 1 ? '' : ` step ${d.step}`;
    return d.scale === 'log'
      ? `integers ${d.low}..${d.high}, log-uniform (each value weighted by its width on a log axis)`
      : `integers ${d.low}..${d.high}${stepText}, uniform`;
  }
  switch (d.scale) {
    case 'log':
      return `log-uniform on [${r(d.low)}, ${r(d.high)}]: 10^U(${r(Math.log10(d.low))}, ${r(Math.log10(d.high))})`;
    case 'oneMinusBeta':
      return `1 - beta log-uniform on [${r(d.low)}, ${r(d.high)}]: 1 - 10^U(${r(Math.log10(1 - d.high))}, ${r(Math.log10(1 - d.low))})`;
    case 'linear':
      return d.step === undefined
        ? `uniform on [${r(d.low)}, ${r(d.high)}]`
        : `uniform on {${r(d.low)}, ${r(d.low + d.step)}, ..., ${r(d.high)}} (step ${r(d.step)})`;
  }
}
