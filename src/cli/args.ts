/**
 * Command-line arguments as every command reads them: its own options plus
 * --json and -h/--help, positionals allowed, and every mistake answered in
 * one line that names the flag and, when a known one is near, suggests it
 * (exit 2), never Node's raw parser message or a page of help.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../util/suggest.js';
import { COMMON_OPTIONS, type CommandSpec, type OptionSpec, type OptionTable } from './command.js';
import { UsageError } from './output.js';

type ParserOptions = NonNullable<ParseArgsConfig['options']>;

/** The values of a command's options: strings for string options, booleans for flags. */
export type OptionValues<O extends OptionTable> = {
  -readonly [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
} & { json?: boolean; help?: boolean };

/**
 * Parses a command's arguments against its table (command.ts).
 *
 * @example
 *   const { values, positionals } = parseCommand(['a.yaml', '--trials', '30'], tuneSpec);
 *   // values.trials === '30', positionals === ['a.yaml']
 */
export function parseCommand<O extends OptionTable>(args: string[], spec: CommandSpec<O>): { values: OptionValues<O>; positionals: string[] } {
  const options: ParserOptions = {};
  for (const [name, o] of Object.entries<OptionSpec>({ ...spec.options, ...COMMON_OPTIONS })) options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}) };
  const parsed = parseWith(args, spec.name, options) as { values: OptionValues<O>; positionals: string[] };
  // An option with a fixed list of values takes only those, every command alike.
  for (const [name, o] of Object.entries<OptionSpec>(spec.options)) {
    const value = (parsed.values as Record<string, unknown>)[name];
    if (o.choices && typeof value === 'string' && !o.choices.includes(value)) {
      throw new UsageError(`--${name}: expected ${o.choices.length === 1 ? o.choices[0] : `one of ${o.choices.join(', ')}`}, got '${value}'${didYouMean(value, o.choices)}`);
    }
  }
  return parsed;
}

function parseWith(args: string[], command: string, options: ParserOptions) {
  const given = joinNegativeValues(args, options);
  try {
    return parseArgs({ args: given, allowPositionals: true, options });
  } catch (err) {
    throw new UsageError(`${mistake(given, options, err as Error)}; 'caviar ${command} --help' lists the options`);
  }
}

/**
 * `--trials -3` is a value that looks like a flag, which Node's parser calls
 * ambiguous: for a string option followed by a number, take the number as
 * its value (`--trials=-3`), so the option's own check can say what it
 * expects instead.
 */
function joinNegativeValues(args: string[], options: ParserOptions): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return [...out, ...args.slice(i)];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && /^-\.?\d/.test(args[i + 1] ?? '')) {
      out.push(`${a}=${args[i + 1]}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** What Node's parser refused, said in one line: the flag, and the nearest known one. */
function mistake(args: string[], options: ParserOptions, err: Error): string {
  const { tokens } = parseArgs({ args, allowPositionals: true, options, strict: false, tokens: true });
  const known = Object.keys(options).map((k) => `--${k}`);
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const spec = options[t.name];
    if (spec === undefined) return `unknown option '${t.rawName}'${didYouMean(t.rawName.startsWith('--') ? t.rawName : `--${t.name}`, known)}`;
    if (spec.type === 'string' && t.value === undefined) return `${t.rawName} needs a value`;
    if (spec.type === 'boolean' && t.value !== undefined) return `${t.rawName} takes no value, got '${t.rawName}=${t.value}'`;
  }
  return err.message.replace(/\s+/g, ' ');
}

/** An integer flag of at least `min`; undefined when the flag is absent. */
export function integerFlag(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag}: expected ${min === 0 ? 'a whole number ≥ 0' : min === 1 ? 'a positive integer' : `an integer ≥ ${min}`}, got '${value}'`);
  }
  return n;
}
