/**
 * The `caviar` command: routes to one file per command (the table is in
 * commands.ts). Exit codes scripts can rely on: 0 success, 1 the work
 * failed, 2 bad usage or input, 130 stopped at once (Ctrl-C twice).
 */
import { readFileSync } from 'node:fs';
import { redactSecrets } from '../util/redact.js';
import { COMMANDS, findCommand, usage } from './commands.js';
import { consoleOutput, UsageError } from './output.js';

export async function main(argv: string[], write?: (line: string) => void, writeError?: (line: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  const out = consoleOutput(json, write);
  const fail = writeError ?? ((l: string) => process.stderr.write(l + '\n'));
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
        out.text(usage());
        return command === undefined ? 2 : 0;
      case '--version':
      case '-v':
      case '-V':
        out.text(version());
        return 0;
      default:
        if (command.startsWith('-')) throw new UsageError(`unknown option '${command}' before the command; 'caviar --help' lists the commands`);
        return await findCommand(command).run(rest, out);
    }
  } catch (err) {
    // The last guard: a URL in any message (an argument echoed back, a driver's error) loses its password.
    const message = redactSecrets((err as Error).message);
    if (json) fail(JSON.stringify({ type: 'error', message }));
    // An unknown command is not a command to name in the prefix.
    else fail(prefixed(COMMANDS.some((c) => c.name === command) ? command : undefined, message));
    return err instanceof UsageError ? 2 : errorExitCode(err);
  }
}

/**
 * `caviar tune: <message>`, once: a message that already starts with its
 * command's name (`caviar best needs ...`) is not prefixed again.
 *
 * @example prefixed('best', 'caviar best needs --export PATH') // 'caviar best needs --export PATH'
 */
function prefixed(command: string | undefined, message: string): string {
  const prefix = command === undefined ? 'caviar' : `caviar ${command}`;
  return message.startsWith(`${prefix}:`) || message.startsWith(`${prefix} `) ? message : `${prefix}: ${message}`;
}

/** Bad input (files, data, settings) is exit 2; anything else that broke is 1. */
function errorExitCode(err: unknown): number {
  const name = (err as Error)?.name ?? '';
  return err instanceof RangeError || err instanceof TypeError || /ConfigError|DataError|ModelFileError|SafetensorsError|OnnxExportError|OutputFileError|StudyFileError|NotFound/.test(name) ? 2 : 1;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `caviar ${pkg.version}`;
}
