/**
 * A search space written as plain data (JSON or YAML), for the command line
 * and config files:
 *
 *   lr:        { type: float, low: 1e-4, high: 1, scale: log }
 *   beta:      { type: float, low: 0.9, high: 0.999, scale: oneMinusBeta }
 *   units:     { type: int, low: 50, high: 100 }
 *   optimizer: { type: categorical, choices: [adam, momentum] }
 *   momentum:  { type: float, low: 0.8, high: 0.99, scale: oneMinusBeta, when: { optimizer: momentum } }
 *
 * `parseSpace` checks all of it and reports every problem at once, each with
 * the path of the field at fault. `sampleSpace` walks a parsed space the
 * define-by-run way: a parameter with `when` is suggested only if every
 * condition holds for the values drawn before it, so `momentum` above
 * exists only in trials that picked the momentum optimizer.
 */
import type { Distribution, FloatScale, ParamValue } from '../types.js';
import { distributionContains, distributionProblems, isParamValue, showValue } from './distributions.js';

/** A condition: parameter name -> the value (or any of the values) it must have. */
export type ConditionSpec = Readonly<Record<string, ParamValue | readonly ParamValue[]>>;

/** One parameter, as written in a config file. A bare list is shorthand for a categorical. */
export type ParamSpec =
  | readonly ParamValue[]
  | { type: 'float'; low: number; high: number; scale?: FloatScale; step?: number; when?: ConditionSpec }
  | { type: 'int'; low: number; high: number; step?: number; scale?: 'linear' | 'log'; when?: ConditionSpec }
  | { type: 'categorical'; choices: readonly ParamValue[]; when?: ConditionSpec };

/** A search space as written in a config file. */
export type SpaceSpec = Readonly<Record<string, ParamSpec>>;

/** One parameter of a parsed space. */
export interface SpaceParam {
  readonly name: string;
  readonly distribution: Distribution;
  /** Present only for conditional parameters: each named parameter must have one of the listed values. */
  readonly when?: Readonly<Record<string, readonly ParamValue[]>>;
}

/** A checked search space; `params` are in an order where every condition's parameters come first. */
export interface Space {
  readonly params: readonly SpaceParam[];
}

/** What `sampleSpace` needs of a trial: suggest one value of one distribution (a Study's trial provides it). */
export interface ParamSuggester {
  suggest(name: string, distribution: Distribution): ParamValue;
}

/**
 * Thrown by `parseSpace`: `problems` holds one line per problem, each starting with the field path.
 *
 * @example
 *   try { parseSpace(config.space, 'tune.yaml: space'); } catch (e) { if (e instanceof SpaceError) console.error(e.problems.join('\n')); }
 */
export class SpaceError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    // Every line already starts with its path under `source`.
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the search space:\n  ${problems.join('\n  ')}`);
    this.name = 'SpaceError';
  }
}

const FIELDS = {
  float: ['type', 'low', 'high', 'scale', 'step', 'when'],
  int: ['type', 'low', 'high', 'step', 'scale', 'when'],
  categorical: ['type', 'choices', 'when'],
} as const;

/**
 * Checks a declarative space and returns it parsed; throws a `SpaceError`
 * listing every problem, each prefixed by its path under `source`.
 *
 * @example
 *   const space = parseSpace({
 *     lr: { type: 'float', low: 1e-4, high: 1, scale: 'log' },
 *     optimizer: ['adam', 'momentum'],
 *     beta: { type: 'float', low: 0.9, high: 0.999, scale: 'oneMinusBeta', when: { optimizer: 'momentum' } },
 *   });
 *   space.params.map((p) => p.name); // ['lr', 'optimizer', 'beta']
 *
 *   parseSpace({ lr: { type: 'float', low: 0, high: 1, scale: 'log' } });
 *   // SpaceError: space.lr.low: expected a number > 0 for a log scale, got 0
 */
export function parseSpace(input: unknown, source = 'space'): Space {
  const problems: string[] = [];
  if (!isPlainObject(input)) throw new SpaceError(source, [`${source}: expected an object of parameters, got ${showValue(input)}`]);
  const params: SpaceParam[] = [];
  const rawWhen = new Map<string, unknown>();
  for (const [name, spec] of Object.entries(input)) {
    const path = `${source}.${name}`;
    const parsed = parseParam(spec, path, problems);
    if (parsed === undefined) continue;
    params.push({ name, distribution: parsed.distribution });
    if (parsed.when !== undefined) rawWhen.set(name, parsed.when);
  }
  // Conditions are checked once every parameter is known, so they may refer forward.
  const byName = new Map(params.map((p) => [p.name, p]));
  const names = new Set(Object.keys(input));
  const conditions = new Map<string, Record<string, ParamValue[]>>();
  for (const [name, when] of rawWhen) {
    const c = parseCondition(when, `${source}.${name}.when`, name, names, byName, problems);
    if (c !== undefined) conditions.set(name, c);
  }
  const order = conditionOrder(params.map((p) => p.name), conditions, source, problems);
  if (problems.length > 0) throw new SpaceError(source, problems);
  return {
    params: order.map((name) => {
      const p = byName.get(name)!;
      const when = conditions.get(name);
      return when === undefined ? p : { ...p, when };
    }),
  };
}

function parseParam(spec: unknown, path: string, problems: string[]): { distribution: Distribution; when?: unknown } | undefined {
  if (Array.isArray(spec)) spec = { type: 'categorical', choices: spec };
  if (!isPlainObject(spec)) {
    problems.push(`${path}: expected an object with a type (float, int, categorical) or a list of choices, got ${showValue(spec)}`);
    return undefined;
  }
  const type = spec.type;
  if (type !== 'float' && type !== 'int' && type !== 'categorical') {
    problems.push(`${path}.type: expected 'float', 'int' or 'categorical', got ${showValue(type)}`);
    return undefined;
  }
  const allowed: readonly string[] = FIELDS[type];
  for (const key of Object.keys(spec)) {
    if (!allowed.includes(key)) problems.push(`${path}.${key}: unknown field for ${type === 'int' ? 'an' : 'a'} ${type} parameter; expected one of ${allowed.join(', ')}`);
  }
  let distribution: Distribution;
  if (type === 'categorical') {
    distribution = { type, choices: spec.choices as ParamValue[] };
  } else if (type === 'float') {
    const base = { type: 'float' as const, low: spec.low as number, high: spec.high as number, scale: (spec.scale ?? 'linear') as FloatScale };
    distribution = spec.step === undefined ? base : { ...base, step: spec.step as number };
  } else {
    distribution = {
      type,
      low: spec.low as number,
      high: spec.high as number,
      step: (spec.step ?? 1) as number,
      scale: (spec.scale ?? 'linear') as 'linear' | 'log',
    };
  }
  const found = distributionProblems(distribution);
  for (const p of found) problems.push(`${path}.${p.field}: ${p.message}`);
  if (found.length > 0) return undefined;
  return spec.when === undefined ? { distribution } : { distribution, when: spec.when };
}

function parseCondition(
  when: unknown,
  path: string,
  self: string,
  names: ReadonlySet<string>,
  byName: ReadonlyMap<string, SpaceParam>,
  problems: string[],
): Record<string, ParamValue[]> | undefined {
  if (!isPlainObject(when) || Object.keys(when).length === 0) {
    problems.push(`${path}: expected an object such as { optimizer: 'momentum' }, got ${showValue(when)}`);
    return undefined;
  }
  const out: Record<string, ParamValue[]> = {};
  let ok = true;
  for (const [other, wanted] of Object.entries(when)) {
    const at = `${path}.${other}`;
    if (other === self) {
      problems.push(`${at}: a parameter cannot depend on itself`);
      ok = false;
      continue;
    }
    if (!names.has(other)) {
      problems.push(`${at}: no parameter named '${other}' in the space`);
      ok = false;
      continue;
    }
    const values = Array.isArray(wanted) ? wanted : [wanted];
    if (values.length === 0) {
      problems.push(`${at}: expected a value or a non-empty list of values`);
      ok = false;
      continue;
    }
    const target = byName.get(other); // undefined when that parameter has its own problems
    for (const v of values) {
      if (!isParamValue(v)) {
        problems.push(`${at}: expected a number, string, boolean or null, got ${showValue(v)}`);
        ok = false;
      } else if (target !== undefined && !distributionContains(target.distribution, v)) {
        problems.push(`${at}: ${showValue(v)} is not a value '${other}' can take`);
        ok = false;
      }
    }
    out[other] = values as ParamValue[];
  }
  return ok ? out : undefined;
}

// Declaration order, except that a parameter comes after every parameter its condition names.
function conditionOrder(
  names: readonly string[],
  conditions: ReadonlyMap<string, Record<string, ParamValue[]>>,
  source: string,
  problems: string[],
): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      problems.push(`${source}.${cycle[0]}.when: circular condition ${cycle.join(' -> ')}`);
      return;
    }
    state.set(name, 'visiting');
    for (const dep of Object.keys(conditions.get(name) ?? {})) visit(dep, [...trail, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of names) visit(name, []);
  return order;
}

/**
 * Whether a parameter's condition holds for the values drawn so far (a parameter whose
 * condition names an absent parameter does not exist either).
 *
 * @example
 *   conditionHolds({ name: 'momentum', distribution: d, when: { optimizer: ['momentum'] } }, { optimizer: 'adam' }); // false
 */
export function conditionHolds(param: SpaceParam, values: Readonly<Record<string, ParamValue>>): boolean {
  if (param.when === undefined) return true;
  for (const [other, allowed] of Object.entries(param.when)) {
    if (!(other in values)) return false;
    const v = values[other];
    if (!allowed.some((a) => a === v)) return false;
  }
  return true;
}

/**
 * Suggests every parameter of `space` whose condition holds, in order, through
 * `trial`; returns the values drawn.
 *
 * @example
 *   const space = parseSpace({ optimizer: ['adam', 'momentum'],
 *     beta: { type: 'float', low: 0.9, high: 0.999, scale: 'oneMinusBeta', when: { optimizer: 'momentum' } } });
 *   const params = sampleSpace(trial, space); // { optimizer: 'adam' } or { optimizer: 'momentum', beta: 0.98... }
 */
export function sampleSpace(trial: ParamSuggester, space: Space): Record<string, ParamValue> {
  const values: Record<string, ParamValue> = {};
  for (const param of space.params) {
    if (conditionHolds(param, values)) values[param.name] = trial.suggest(param.name, param.distribution);
  }
  return values;
}

/**
 * The distributions of a space by name (conditions dropped): what a grid or a plot needs.
 *
 * @example
 *   spaceDistributions(parseSpace({ units: { type: 'int', low: 50, high: 100 } })).units; // { type: 'int', ... }
 */
export function spaceDistributions(space: Space): Record<string, Distribution> {
  return Object.fromEntries(space.params.map((p) => [p.name, p.distribution]));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
