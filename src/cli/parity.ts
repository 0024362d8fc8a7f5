/**
 * `caviar parity FILE` (also `npm run parity -- FILE`): checks every case of a
 * parity file against caviar and prints one line per case. Exit code 1 if any
 * case is outside the tolerance, 2 for bad usage.
 */
import { readFileSync } from 'node:fs';
import { runParityFile } from '../train/parity.js';
import { parseCommand } from './args.js';
import { command, helpText } from './command.js';
import { UsageError } from './output.js';

export const paritySpec = command({
  name: 'parity',
  summary: 'check caviar against reference numbers computed by PyTorch',
  usage: 'FILE [options]',
  about: `Replays each case of FILE (the format of test/fixtures/parity.json: numbers
computed by PyTorch) with caviar and compares losses, first-step gradients,
parameters and running statistics after the last step, and eval-mode
probabilities. Prints one line per case.`,
  options: {
    dtype: { type: 'string', choices: ['float32', 'float64'], doc: 'the precision caviar computes in (default float32)' },
    rtol: { type: 'string', value: 'R', doc: 'relative tolerance (default 1e-3)' },
    atol: { type: 'string', value: 'A', doc: 'absolute tolerance (default 1e-5)' },
  },
  exits: '0 every case within the tolerances; 1 a case outside them; 2 bad usage, or a FILE that cannot be read',
  examples: ['caviar parity test/fixtures/parity.json --dtype float64'],
});

export function parityCommand(args: string[], out: (line: string) => void = console.log): number {
  const { values, positionals } = parseCommand(args, paritySpec);
  if (values.help) {
    out(helpText(paritySpec));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one FILE, got ${positionals.length}: caviar parity ${paritySpec.usage}`);
  const file = positionals[0];
  const dtype = (values.dtype ?? 'float32') as 'float32' | 'float64';
  const tolerance = (flag: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const v = Number(value);
    if (value.trim() === '' || !(v >= 0)) throw new UsageError(`${flag}: expected a number ≥ 0, got '${value}'`);
    return v;
  };
  const rtol = tolerance('--rtol', values.rtol, 1e-3);
  const atol = tolerance('--atol', values.atol, 1e-5);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read parity file '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const results = runParityFile(text, file, { dtype, rtol, atol });
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    out(
      `${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(width)}  max rel err ${r.maxRelativeError.toExponential(2)}  ` +
        `max abs err ${r.maxAbsoluteError.toExponential(2)}  (${r.compared} values${r.ok ? '' : `; worst: ${r.worst}`})`,
    );
  }
  const failed = results.filter((r) => !r.ok).length;
  out(`${results.length - failed} passed, ${failed} failed (${dtype}, rtol ${rtol}, atol ${atol})`);
  return failed === 0 ? 0 : 1;
}

// Run directly: `node --import tsx src/cli/parity.ts FILE`.
if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exitCode = parityCommand(process.argv.slice(2));
  } catch (err) {
    console.error(`caviar parity: ${(err as Error).message}`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  }
}
