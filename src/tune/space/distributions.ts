/**
 * Building and checking parameter distributions. `floatParam`, `intParam`
 * and `categorical` build the `Distribution` values every sampler reads;
 * `distributionProblems` is the one place that knows what a valid
 * distribution is, so the constructors here and the declarative space
 * parser report the same problems in the same words.
 */
import type {
  CategoricalDistribution,
  Distribution,
  FloatDistribution,
  FloatScale,
  IntDistribution,
  ParamValue,
} from '../types.js';

/** One problem with a distribution: the field at fault and what is wrong with it. */
export interface DistributionProblem {
  readonly field: 'type' | 'low' | 'high' | 'step' | 'scale' | 'choices';
  readonly message: string;
}

/**
 * Thrown by the constructors below; `problems` lists every problem found, not just the first.
 *
 * @example
 *   try { floatParam(0, 1, { scale: 'log' }); } catch (e) { (e as DistributionError).problems[0].field; } // 'low'
 */
export class DistributionError extends RangeError {
  constructor(readonly problems: readonly DistributionProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.name = 'DistributionError';
  }
}

const FLOAT_SCALES: readonly FloatScale[] = ['linear', 'log', 'oneMinusBeta'];

/**
 * A float parameter. `scale: 'log'` samples `10^U(log10 low, log10 high)`;
 * `scale: 'oneMinusBeta'` samples `1 - beta` log-uniformly (the course's
 * scale for the momentum / Adam beta). `step` puts the values on a grid
 * (linear scale only) and must divide `high - low`.
 *
 * @example
 *   const lr = floatParam(1e-4, 1, { scale: 'log' });
 *   const beta = floatParam(0.9, 0.999, { scale: 'oneMinusBeta' });
 *   const dropout = floatParam(0, 0.5, { step: 0.1 });
 */
export function floatParam(
  low: number,
  high: number,
  options: { scale?: FloatScale; step?: number } = {},
): FloatDistribution {
  const d: FloatDistribution =
    options.step === undefined
      ? { type: 'float', low, high, scale: options.scale ?? 'linear' }
      : { type: 'float', low, high, scale: options.scale ?? 'linear', step: options.step };
  return checked(d);
}

/**
 * An integer parameter: `low, low + step, ..., high`. `scale: 'log'` makes
 * each value's probability proportional to its width on a log axis (hidden
 * units 16..1024 spend as many samples on 16..128 as on 128..1024); it needs
 * `low >= 1` and `step = 1`.
 *
 * @example
 *   const units = intParam(50, 100);
 *   const batch = intParam(16, 512, { scale: 'log' });
 *   const even = intParam(2, 10, { step: 2 });
 */
export function intParam(
  low: number,
  high: number,
  options: { step?: number; scale?: 'linear' | 'log' } = {},
): IntDistribution {
  return checked({ type: 'int', low, high, step: options.step ?? 1, scale: options.scale ?? 'linear' });
}

/**
 * A categorical parameter: one of `choices` (numbers, strings, booleans or null; no duplicates).
 *
 * @example
 *   const optimizer = categorical(['adam', 'momentum', 'sgd']);
 */
export function categorical(choices: readonly ParamValue[]): CategoricalDistribution {
  return checked({ type: 'categorical', choices: [...choices] });
}

function checked<D extends Distribution>(d: D): D {
  const problems = distributionProblems(d);
  if (problems.length > 0) throw new DistributionError(problems);
  return d;
}

/**
 * Every problem with `d`, in field order; empty when `d` is valid.
 *
 * @example
 *   distributionProblems({ type: 'float', low: 0, high: 1, scale: 'log' });
 *   // [{ field: 'low', message: 'expected a number > 0 for a log scale, got 0' }]
 */
export function distributionProblems(d: Distribution): DistributionProblem[] {
  const problems: DistributionProblem[] = [];
  const add = (field: DistributionProblem['field'], message: string): void => {
    problems.push({ field, message });
  };
  if (d.type === 'categorical') {
    if (!Array.isArray(d.choices) || d.choices.length === 0) {
      add('choices', `expected a non-empty list of values, got ${show(d.choices)}`);
      return problems;
    }
    const seen = new Set<string>();
    d.choices.forEach((c, i) => {
      if (!isParamValue(c)) add('choices', `choice ${i} must be a number, string, boolean or null, got ${show(c)}`);
      else if (seen.has(choiceKey(c))) add('choices', `choice ${show(c)} appears twice`);
      seen.add(choiceKey(c));
    });
    return problems;
  }
  if (d.type !== 'float' && d.type !== 'int') {
    add('type', `expected 'float', 'int' or 'categorical', got ${show((d as { type: unknown }).type)}`);
    return problems;
  }
  const isInt = d.type === 'int';
  const scales: readonly string[] = isInt ? ['linear', 'log'] : FLOAT_SCALES;
  const scaleOk = scales.includes(d.scale);
  if (!scaleOk) add('scale', `expected one of ${scales.join(', ')}, got ${show(d.scale)}`);
  const numberOk = (v: unknown): v is number => typeof v === 'number' && (isInt ? Number.isSafeInteger(v) : Number.isFinite(v));
  const kind = isInt ? 'an integer' : 'a finite number';
  const lowOk = numberOk(d.low);
  const highOk = numberOk(d.high);
  if (!lowOk) add('low', `expected ${kind}, got ${show(d.low)}`);
  if (!highOk) add('high', `expected ${kind}, got ${show(d.high)}`);
  if (lowOk && highOk && d.low > d.high) add('low', `expected low <= high (${d.high}), got ${d.low}`);

  if (scaleOk && d.scale === 'log') {
    const min = isInt ? 1 : 0;
    const what = isInt ? 'an integer >= 1' : 'a number > 0';
    // Checking low is enough: high >= low is checked above.
    if (lowOk && (isInt ? d.low < min : d.low <= min)) add('low', `expected ${what} for a log scale, got ${d.low}`);
  }
  if (scaleOk && d.scale === 'oneMinusBeta') {
    // 1 - beta must be a positive number for its logarithm to exist: beta in (0, 1).
    if (lowOk && !(d.low > 0 && d.low < 1)) add('low', `expected a number in (0, 1) for the oneMinusBeta scale, got ${d.low}`);
    if (highOk && !(d.high > 0 && d.high < 1)) add('high', `expected a number in (0, 1) for the oneMinusBeta scale, got ${d.high}`);
  }

  const step = d.step;
  if (step !== undefined) {
    if (!numberOk(step) || step <= 0) add('step', `expected ${isInt ? 'a positive integer' : 'a positive number'}, got ${show(step)}`);
    else if (!isInt && scaleOk && d.scale !== 'linear') add('step', `a step needs the linear scale, got scale ${d.scale}`);
    else if (isInt && d.scale === 'log' && step !== 1) add('step', `a log-scale integer needs step 1, got ${step}`);
    else if (lowOk && highOk && d.low <= d.high && !stepDivides(d.high - d.low, step)) {
      add('step', `step ${step} does not divide the range ${d.low}..${d.high} (width ${d.high - d.low})`);
    }
  }
  return problems;
}

/**
 * Whether `value` is one of the values `d` can produce (in range, on the step grid, one of the choices).
 *
 * @example
 *   distributionContains(intParam(0, 10, { step: 2 }), 4); // true
 *   distributionContains(intParam(0, 10, { step: 2 }), 5); // false
 */
export function distributionContains(d: Distribution, value: unknown): boolean {
  if (d.type === 'categorical') {
    if (!isParamValue(value)) return false;
    const key = choiceKey(value);
    return d.choices.some((c) => choiceKey(c) === key);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (d.type === 'int' && !Number.isInteger(value)) return false;
  if (value < d.low || value > d.high) return false;
  return d.step === undefined || stepDivides(value - d.low, d.step);
}

/**
 * Whether a value is a `ParamValue` (finite number, string, boolean or null).
 *
 * @example
 *   isParamValue('adam'); // true
 *   isParamValue(NaN);    // false
 */
export function isParamValue(v: unknown): v is ParamValue {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/**
 * A key that tells choices apart by type as well as value (`1` and `'1'` differ).
 *
 * @example
 *   choiceKey(1) === choiceKey('1'); // false
 */
export function choiceKey(v: ParamValue): string {
  return `${typeof v}:${String(v)}`;
}

// Tolerates the rounding of decimal steps: (0.3 - 0.1) / 0.1 is 1.9999999999999998.
function stepDivides(width: number, step: number): boolean {
  const k = width / step;
  return Math.abs(k - Math.round(k)) <= 1e-9 * Math.max(1, Math.abs(k));
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Formats a value for messages the way problems quote it (`'adam'`, `0.5`, `nothing`). */
export const showValue = show;
