/**
 * One table per command: its options (type, placeholder, what they do), its
 * usage, what it does, its exit codes and an example. The help text, the
 * argument parser (args.ts) and shell completion (completion.ts) are all
 * made from it, so they cannot disagree: an option the parser accepts is in
 * the help, and the help lists nothing the parser refuses.
 */

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** A one-letter alias (`-q`). */
  readonly short?: string;
  /** What the value looks like, shown after the flag: N, PATH, URL, DURATION. */
  readonly value?: string;
  /** What the option does, one or more sentences; wrapped to the help's width. */
  readonly doc: string;
  /** The values it takes, offered by shell completion (`--format csv|json`). */
  readonly choices?: readonly string[];
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export interface CommandSpec<O extends OptionTable = OptionTable> {
  readonly name: string;
  /** One line for `caviar --help`. */
  readonly summary: string;
  /** What follows `caviar NAME` on the usage line: `EXPERIMENT [options]`. */
  readonly usage: string;
  /** What the command does: paragraphs as they should read (already wrapped). */
  readonly about: string;
  readonly options: O;
  /** After the options: behaviour worth knowing (Ctrl-C, where output goes). */
  readonly notes?: string;
  /** `0 ...; 1 ...; 2 ...`: what each exit code means for this command. */
  readonly exits: string;
  /** Command lines that work as shown, each starting with `caviar NAME`. */
  readonly examples: readonly string[];
}

/** Every command takes these; the parser adds them and the help lists them last. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', doc: 'one JSON object per event instead of text' },
  help: { type: 'boolean', short: 'h', doc: 'this help' },
} as const satisfies OptionTable;

const WIDTH = 80;
/** Flags wider than this put their description on the next line. */
const FLAG_COLUMN = 24;

/**
 * A command's table, checked by the type system: options keep their literal
 * types so the parser's `values` are typed (`values.trials` is a string).
 *
 * @example
 *   export const infoSpec = command({ name: 'info', summary: '...', usage: '[options]', about: '...',
 *     options: {}, exits: '0 always', examples: ['caviar info'] });
 */
export function command<const O extends OptionTable>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/**
 * The `--help` text: usage, what it does, options, notes, exit codes, example.
 *
 * @example helpText(infoSpec).split('\n')[0] // 'Usage: caviar info [options]'
 */
export function helpText(spec: CommandSpec): string {
  const all: [string, OptionSpec][] = [...Object.entries(spec.options), ...Object.entries(COMMON_OPTIONS)];
  const labels = all.map(([name, o]) => flagLabel(name, o));
  const column = Math.max(...labels.filter((l) => l.length <= FLAG_COLUMN).map((l) => l.length)) + 2;
  const optionLines = all.flatMap(([, o], i) => {
    const doc = wrap(o.doc, WIDTH - 2 - column);
    const label = labels[i];
    if (label.length + 2 > column) return [`  ${label}`, ...doc.map((d) => ' '.repeat(column + 2) + d)];
    return [`  ${label.padEnd(column)}${doc[0]}`, ...doc.slice(1).map((d) => ' '.repeat(column + 2) + d)];
  });
  return [
    `Usage: caviar ${spec.name} ${spec.usage}`,
    '',
    spec.about,
    '',
    'Options:',
    ...optionLines,
    ...(spec.notes ? ['', spec.notes] : []),
    '',
    ...wrap(`Exit codes: ${spec.exits}.`, WIDTH),
    '',
    spec.examples.length === 1 ? 'Example:' : 'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
  ].join('\n');
}

/** `--trials N`, `-q, --quiet`, `--format csv|json`. */
function flagLabel(name: string, o: OptionSpec): string {
  const value = o.value ?? (o.choices ? o.choices.join('|') : undefined);
  return `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${value ?? 'VALUE'}` : ''}`;
}

/** One option as a help text's Options block shows it. */
export interface HelpFlag {
  readonly long: string;
  readonly short?: string;
  /** The placeholder after the flag (`N`, `PATH`), absent for a flag that takes no value. */
  readonly value?: string;
  readonly doc: string;
}

/**
 * The options a help text's Options block lists, read back as a person
 * reads them: the help test checks them against the parser and completion.
 *
 * @example helpFlags('Options:\n  --top N     how many\n  -h, --help  this help') // [{ long: '--top', value: 'N', doc: 'how many' }, { long: '--help', short: '-h', doc: 'this help' }]
 */
export function helpFlags(help: string): HelpFlag[] {
  const block = help.split('\nOptions:\n')[1] ?? '';
  const flags: HelpFlag[] = [];
  for (const line of block.split('\n')) {
    if (line.trim() === '') break;
    const m = /^ {2}(?:(-\w), )?(--[\w-]+)(?: ([A-Z][\w|.#[\]]*|[a-z0-9]+(?:\|[a-z0-9]+)+))?(?:\s+(.*))?$/.exec(line);
    if (m) flags.push({ long: m[2], ...(m[1] ? { short: m[1] } : {}), ...(m[3] ? { value: m[3] } : {}), doc: m[4] ?? '' });
  }
  return flags;
}

/** Words to lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return lines.length || line ? [...lines, line] : [''];
}
