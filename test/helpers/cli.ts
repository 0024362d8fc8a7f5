/**
 * `caviar` in this process, for tests: the exit code and what it printed,
 * stdout and stderr each as one string (lines joined by newlines).
 *
 * @example const { code, out, err } = await runCaviar(['tune', 'exp.yaml', '--trials', '2']);
 */
import { main } from '../../src/cli/main.js';

export async function runCaviar(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}
