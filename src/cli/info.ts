/** `caviar info`: which compute backend is in use, which exist here, and what the CPU offers. */
import { backendInfo } from '../backend/index.js';
import type { Output } from './output.js';

export const infoHelp = `Usage: caviar info [--json]

Prints the compute backend caviar uses (the fastest available, or the one
named by CAVIAR_BACKEND), the backends this installation can run, and the
CPU features the native backend detected.`;

export function infoCommand(args: string[], out: Output): number {
  if (args.includes('--help') || args.includes('-h')) {
    out.text(infoHelp);
    return 0;
  }
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
