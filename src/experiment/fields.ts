/** Typed reads of one object's fields, each problem recorded with its path (see problems.ts). */
import { describe, isObject, join, type Problems } from './problems.js';

export interface NumberRule {
  integer?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive upper bound. */
  below?: number;
}

/** The values one setting may take: a number within bounds, true or false, or one of a list. */
export type ValueRule =
  | { readonly type: 'number'; readonly rule: NumberRule }
  | { readonly type: 'boolean' }
  | { readonly type: 'choice'; readonly choices: readonly string[] };

export class Fields {
  constructor(
    readonly problems: Problems,
    readonly path: string,
    readonly obj: Record<string, unknown>,
  ) {}

  /** A nested object's fields; undefined (and a problem) when present but not an object. */
  static of(problems: Problems, path: string, value: unknown): Fields | undefined {
    if (value === undefined) return undefined;
    if (!isObject(value)) {
      problems.add(path, `expected an object, got ${describe(value)}`);
      return undefined;
    }
    return new Fields(problems, path, value);
  }

  at(key: string): string {
    return join(this.path, key);
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  known(keys: readonly string[]): void {
    this.problems.unknownFields(this.path, this.obj, keys);
  }

  number(key: string, rule: NumberRule = {}): number | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    return checkNumber(this.problems, this.at(key), v, rule);
  }

  string(key: string, oneOf?: readonly string[]): string | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') {
      this.problems.add(this.at(key), `expected ${oneOf ? `one of ${oneOf.join(', ')}` : 'a non-empty string'}, got ${describe(v)}`);
      return undefined;
    }
    if (oneOf && !oneOf.includes(v)) {
      this.problems.add(this.at(key), `expected one of ${oneOf.join(', ')}, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') {
      this.problems.add(this.at(key), `expected true or false, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  /** A field checked by `rule` (see `checkValue`). */
  value(key: string, rule: ValueRule): number | string | boolean | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    return checkValue(this.problems, this.at(key), v, rule);
  }

  required(key: string, what: string): boolean {
    if (this.obj[key] !== undefined) return true;
    this.problems.add(this.at(key), `missing; expected ${what}`);
    return false;
  }
}

/**
 * `v` if `rule` allows it; otherwise undefined, and a problem at `path`.
 * The experiment file's fields and a trial's parameters are checked by it.
 *
 * @example
 *   checkValue(problems, 'train.beta', 1.2, { type: 'number', rule: { min: 0, below: 1 } });
 *   // undefined; problems: "train.beta: expected a number >= 0 and < 1, got 1.2"
 */
export function checkValue(problems: Problems, path: string, v: unknown, rule: ValueRule): number | string | boolean | undefined {
  if (rule.type === 'number') return checkNumber(problems, path, v, rule.rule);
  if (rule.type === 'boolean') {
    if (typeof v === 'boolean') return v;
    problems.add(path, `expected true or false, got ${describe(v)}`);
    return undefined;
  }
  if (typeof v === 'string' && rule.choices.includes(v)) return v;
  problems.add(path, `expected one of ${rule.choices.join(', ')}, got ${describe(v)}`);
  return undefined;
}

export function checkNumber(problems: Problems, path: string, v: unknown, rule: NumberRule): number | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    problems.add(path, `expected ${ruleText(rule)}, got ${describe(v)}`);
    return undefined;
  }
  const bad =
    (rule.integer && !Number.isInteger(v)) ||
    (rule.min !== undefined && v < rule.min) ||
    (rule.above !== undefined && v <= rule.above) ||
    (rule.max !== undefined && v > rule.max) ||
    (rule.below !== undefined && v >= rule.below);
  if (bad) {
    problems.add(path, `expected ${ruleText(rule)}, got ${v}`);
    return undefined;
  }
  return v;
}

function ruleText(rule: NumberRule): string {
  const parts: string[] = [];
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  return `${rule.integer ? 'an integer' : 'a number'}${parts.length ? ' ' + parts.join(' and ') : ''}`;
}
