/**
 * Command-line arguments as every command reads them: its own options plus
 * --json and -h/--help, positionals allowed, and a mistake answered with the
 * command's help (exit 2), never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './output.js';

const COMMON = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/**
 * @example
 *   const { values, positionals } = parseCommandArgs(args, predictHelp, { out: { type: 'string' } });
 */
type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O & typeof COMMON }>>;

export function parseCommandArgs<const O extends Options>(args: string[], help: string, options: O): Parsed<O> {
  try {
    return parseArgs({ args, allowPositionals: true as const, options: { ...options, ...COMMON } });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${help}`);
  }
}

/** An integer flag of at least `min`; undefined when the flag is absent. */
export function integerFlag(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag}: expected ${min === 0 ? 'a whole number ≥ 0' : min === 1 ? 'a positive integer' : `an integer ≥ ${min}`}, got '${value}'`);
  }
  return n;
}
