/**
 * Shell completion scripts for bash, zsh and fish, generated from the
 * command table (commands.ts) that the help and the parser read: a new
 * command or option is offered by completion the day it exists.
 *
 * Each script completes the command name, then that command's options (and
 * the values of an option with a fixed list, such as `--format csv|json`),
 * and file names everywhere else.
 */

/** What completion needs to know of one command. */
export interface CompletionCommand {
  readonly name: string;
  readonly summary: string;
  readonly flags: readonly CompletionFlag[];
  /** Words the first argument can be (`caviar help <command>`); files when absent. */
  readonly words?: readonly string[];
}

export interface CompletionFlag {
  /** `--trials`. */
  readonly long: string;
  /** `-q`. */
  readonly short?: string;
  readonly takesValue: boolean;
  readonly choices?: readonly string[];
  readonly doc: string;
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Options of `caviar` itself, before any command. */
const TOP_FLAGS = ['--help', '--version'];

/**
 * The completion script for `shell`.
 *
 * @example completionScript('bash', commands) // '# caviar completion for bash ...\ncomplete -o default -F _caviar caviar\n'
 */
export function completionScript(shell: Shell, commands: readonly CompletionCommand[]): string {
  return shell === 'bash' ? bash(commands) : shell === 'zsh' ? zsh(commands) : fish(commands);
}

function bash(commands: readonly CompletionCommand[]): string {
  const names = commands.map((c) => c.name).join(' ');
  const flagCases = commands.map((c) => `    ${c.name}) flags='${c.flags.flatMap((f) => [f.long, ...(f.short ? [f.short] : [])]).join(' ')}' ;;`);
  const valueCases = commands.flatMap((c) => c.flags.filter((f) => f.choices).map((f) => `    '${c.name} ${f.long}') COMPREPLY=($(compgen -W '${f.choices!.join(' ')}' -- "$cur")); return ;;`));
  const wordCases = commands.filter((c) => c.words).map((c) => `    ${c.name}) COMPREPLY=($(compgen -W '${c.words!.join(' ')}' -- "$cur")); return ;;`);
  return `# caviar completion for bash. Load it with:  source <(caviar completion bash)
_caviar() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" flags=''
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W '${names} ${TOP_FLAGS.join(' ')}' -- "$cur"))
    return
  fi
  local command="\${COMP_WORDS[1]}"
  case "$command $prev" in
${valueCases.join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    case "$command" in
${flagCases.join('\n')}
    esac
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return
  fi
  if [ "$COMP_CWORD" -eq 2 ]; then
    case "$command" in
${wordCases.join('\n')}
    esac
  fi
  # Anything else: file names (complete -o default).
}
complete -o default -F _caviar caviar
`;
}

/** Text safe inside a zsh _arguments description: no brackets, colons or quotes. */
function zshText(s: string): string {
  return s.replace(/[[\]:'\\`$]/g, ' ').replace(/\s+/g, ' ').trim();
}

function zsh(commands: readonly CompletionCommand[]): string {
  const list = commands.map((c) => `    '${c.name}:${zshText(c.summary)}'`);
  const cases = commands.map((c) => {
    const specs = c.flags.map((f) => {
      const names = f.short ? `'(${f.short} ${f.long})'{${f.short},${f.long}}` : `'${f.long}`;
      const open = f.short ? `'` : '';
      const action = !f.takesValue ? '' : f.choices ? `:value:(${f.choices.join(' ')})` : ':value:_files';
      return `${names}${open}[${zshText(f.doc).slice(0, 70)}]${action}'`;
    });
    const rest = c.words ? `'1:word:(${c.words.join(' ')})'` : `'*:file:_files'`;
    return `    ${c.name})\n      _arguments -s ${[...specs, rest].join(' \\\n        ')} ;;`;
  });
  return `#compdef caviar
# caviar completion for zsh. Load it with:  source <(caviar completion zsh)
_caviar() {
  local -a commands
  commands=(
${list.join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    compadd -- ${TOP_FLAGS.join(' ')}
    return
  fi
  local command=$words[2]
  shift words
  (( CURRENT-- ))
  case $command in
${cases.join('\n')}
  esac
}
compdef _caviar caviar
`;
}

/** Text safe inside a single-quoted fish string. */
function fishText(s: string): string {
  return s.replace(/['\\]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80);
}

function fish(commands: readonly CompletionCommand[]): string {
  const lines = [
    '# caviar completion for fish. Load it with:  caviar completion fish | source',
    'complete -c caviar -f',
    `complete -c caviar -n __fish_use_subcommand -l help -d 'show the commands'`,
    `complete -c caviar -n __fish_use_subcommand -l version -d 'print the version'`,
  ];
  for (const c of commands) {
    lines.push(`complete -c caviar -n __fish_use_subcommand -a ${c.name} -d '${fishText(c.summary)}'`);
    const when = `-n '__fish_seen_subcommand_from ${c.name}'`;
    lines.push(c.words ? `complete -c caviar ${when} -a '${c.words.join(' ')}'` : `complete -c caviar ${when} -F`);
    for (const f of c.flags) {
      const value = !f.takesValue ? '' : f.choices ? ` -x -a '${f.choices.join(' ')}'` : ' -r -F';
      lines.push(`complete -c caviar ${when} -l ${f.long.slice(2)}${f.short ? ` -s ${f.short.slice(1)}` : ''}${value} -d '${fishText(f.doc)}'`);
    }
  }
  return lines.join('\n') + '\n';
}
