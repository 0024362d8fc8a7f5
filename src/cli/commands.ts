/**
 * Every `caviar` command, in the order `caviar --help` lists them: its
 * summary, its help, its options and how to run it. main.ts dispatches
 * through this table; `caviar help COMMAND` and shell completion read it,
 * so none of them can name a command or an option that does not exist.
 */
import { bestCommand, bestSpec } from './best.js';
import { command, helpText, type CommandSpec } from './command.js';
import { completionScript, SHELLS, type CompletionCommand, type CompletionFlag, type Shell } from './completion.js';
import { dashboardCommand, dashboardSpec } from './dashboard.js';
import { exportCommand, exportSpec } from './export.js';
import { importCommand, importSpec } from './import.js';
import { infoCommand, infoSpec } from './info.js';
import { parityCommand, paritySpec } from './parity.js';
import { predictCommand, predictSpec } from './predict.js';
import { showCommand, showSpec, studiesCommand, studiesSpec } from './studies.js';
import { trainCommand, trainSpec } from './train.js';
import { tuneCommand, tuneSpec } from './tune.js';
import { workerCommand, workerSpec } from './worker.js';
import { zoomCommand, zoomSpec } from './zoom.js';
import { parseCommand } from './args.js';
import { UsageError, type Output } from './output.js';
import { didYouMean } from '../util/suggest.js';

export interface CommandEntry extends CompletionCommand {
  /** The text of `caviar NAME --help`. */
  readonly help: string;
  run(args: string[], out: Output): Promise<number> | number;
}

type Run = CommandEntry['run'];

/** A command described by its table (command.ts): help and completion both come from it. */
function fromSpec(spec: CommandSpec, run: Run, words?: readonly string[]): CommandEntry {
  const flags: CompletionFlag[] = Object.entries(spec.options).map(([name, o]) => ({
    long: `--${name}`, ...(o.short ? { short: `-${o.short}` } : {}), takesValue: o.type === 'string', ...(o.choices ? { choices: o.choices } : {}), doc: o.doc,
  }));
  return { name: spec.name, summary: spec.summary, help: helpText(spec), flags: [...flags, ...commonFlags], run, ...(words ? { words } : {}) };
}

const commonFlags: CompletionFlag[] = [
  { long: '--json', takesValue: false, doc: 'one JSON object per event instead of text' },
  { long: '--help', short: '-h', takesValue: false, doc: 'this help' },
];

export const helpSpec = command({
  name: 'help',
  summary: "a command's help (the same as caviar COMMAND --help)",
  usage: '[COMMAND]',
  about: 'Prints the help of COMMAND, or with no COMMAND the list of commands.',
  options: {},
  exits: '0 printed; 2 no such command',
  examples: ['caviar help tune'],
});

export const completionSpec = command({
  name: 'completion',
  summary: 'a shell completion script for bash, zsh or fish',
  usage: 'bash|zsh|fish',
  about: `Prints a script that completes caviar's commands, their options and the
values of options with a fixed list (such as predict --format), and file
names elsewhere, for a caviar command on your PATH (npm install -g, or npm
link in a clone). Load it in the current shell, or from your shell's
startup file:

  bash  source <(caviar completion bash)        (in ~/.bashrc)
  zsh   source <(caviar completion zsh)         (in ~/.zshrc, after compinit)
  fish  caviar completion fish | source         (in ~/.config/fish/config.fish)`,
  options: {},
  exits: '0 printed; 2 no shell named, or one caviar has no script for',
  examples: ['caviar completion bash > ~/.local/share/bash-completion/completions/caviar'],
});

const WORK: readonly CommandEntry[] = [
  fromSpec(trainSpec, trainCommand),
  fromSpec(tuneSpec, tuneCommand),
  fromSpec(studiesSpec, studiesCommand),
  fromSpec(showSpec, showCommand),
  fromSpec(bestSpec, bestCommand),
  fromSpec(predictSpec, predictCommand),
  fromSpec(exportSpec, exportCommand),
  fromSpec(importSpec, importCommand),
  fromSpec(zoomSpec, zoomCommand),
  fromSpec(workerSpec, workerCommand),
  fromSpec(dashboardSpec, dashboardCommand),
  fromSpec(infoSpec, infoCommand),
  fromSpec(paritySpec, (args, out) => parityCommand(args, (line) => out.text(line))),
];

export const COMMANDS: readonly CommandEntry[] = [
  ...WORK,
  fromSpec(helpSpec, helpCommand, [...WORK.map((c) => c.name), helpSpec.name, completionSpec.name]),
  fromSpec(completionSpec, completionCommand, SHELLS),
];

/**
 * The command named `name`; a UsageError (exit 2) naming it, with the
 * nearest command's name when there is one, otherwise.
 *
 * @example findCommand('tuen') // throws "unknown command 'tuen' (did you mean 'tune'?); ..."
 */
export function findCommand(name: string): CommandEntry {
  const found = COMMANDS.find((c) => c.name === name);
  if (found) return found;
  throw new UsageError(`unknown command '${name}'${didYouMean(name, COMMANDS.map((c) => c.name))}; 'caviar --help' lists the commands`);
}

/** `caviar --help`: every command with its summary. */
export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: caviar COMMAND [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'caviar help COMMAND' (or 'caviar COMMAND --help') for a command's options;",
    "'caviar --version' for the version.",
  ].join('\n');
}

function helpCommand(args: string[], out: Output): number {
  const { values, positionals } = parseCommand(args, helpSpec);
  if (values.help) {
    out.text(helpText(helpSpec));
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected at most one COMMAND, got ${positionals.length}: caviar help ${helpSpec.usage}`);
  out.text(positionals.length === 0 ? usage() : findCommand(positionals[0]).help);
  return 0;
}

function completionCommand(args: string[], out: Output): number {
  const { values, positionals } = parseCommand(args, completionSpec);
  if (values.help) {
    out.text(helpText(completionSpec));
    return 0;
  }
  const shell = positionals[0];
  if (positionals.length !== 1 || !(SHELLS as readonly string[]).includes(shell)) {
    const got = positionals.length === 0 ? 'no shell' : positionals.length > 1 ? `${positionals.length} arguments` : `'${shell}'${didYouMean(shell, SHELLS)}`;
    throw new UsageError(`expected one shell, ${SHELLS.join(', ')}; got ${got}`);
  }
  out.text(completionScript(shell as Shell, COMMANDS).replace(/\n$/, ''));
  return 0;
}
