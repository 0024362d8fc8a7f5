/** `caviar info`: which compute backend is in use, which exist here, and what the CPU offers. */
import { backendInfo } from '../backend/index.js';
import { parseCommand } from './args.js';
import { command, helpText } from './command.js';
import { UsageError, type Output } from './output.js';

export const infoSpec = command({
  name: 'info',
  summary: 'show the compute backend in use and the CPU features found',
  usage: '[options]',
  about: `Prints the compute backend caviar uses (the fastest available, or the one
named by CAVIAR_BACKEND), the backends this installation can run, and the
CPU features the native backend detected.`,
  options: {},
  exits: '0 printed; 2 bad usage',
  examples: ['caviar info --json'],
});

export function infoCommand(args: string[], out: Output): number {
  const { values, positionals } = parseCommand(args, infoSpec);
  if (values.help) {
    out.text(helpText(infoSpec));
    return 0;
  }
  if (positionals.length) throw new UsageError(`takes no arguments, got '${positionals[0]}': caviar info ${infoSpec.usage}`);
  const info = backendInfo();
  const lines = [
    `backend       ${info.backend}${process.env.CAVIAR_BACKEND ? ' (from CAVIAR_BACKEND)' : ''}`,
    `available     ${info.available.join(', ')}`,
    `native kernel ${info.nativeKernel ?? 'not built (no C compiler at install time?); using the portable backend'}`,
    `cpu features  ${info.cpuFeatures.length ? info.cpuFeatures.join(' ') : 'unknown (the native backend reports them)'}`,
    `node          ${process.version}, ${process.arch}`,
  ];
  out.event('info', { ...info, node: process.version, arch: process.arch }, lines.join('\n'));
  return 0;
}
