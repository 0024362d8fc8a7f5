/**
 * `caviar parity FILE` (also `npm run parity -- FILE`): checks every case of a
 * parity file against caviar and prints one line per case. Exit code 1 if any
 * case is outside the tolerance.
 */
import { readFileSync } from 'node:fs';
import { runParityFile } from '../train/parity.js';
import type { DType } from '../backend/tensor.js';

export const parityHelp = `Usage: caviar parity FILE [--dtype float32|float64] [--rtol R] [--atol A]

Replays each case of FILE (the format of test/fixtures/parity.json: numbers
computed by PyTorch) with caviar and compares losses, first-step gradients,
parameters and running statistics after the last step, and eval-mode
probabilities. Prints one line per case; exits 1 if any case is outside
rtol 1e-3 / atol 1e-5 (or the given tolerances).`;

export function parityCommand(args: string[], out: (line: string) => void = console.log): number {
  let file: string | undefined;
  let dtype: DType = 'float32';
  let rtol = 1e-3;
  let atol = 1e-5;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') {
      out(parityHelp);
      return 0;
    } else if (a === '--dtype') {
      const v = args[++i];
      if (v !== 'float32' && v !== 'float64') throw new Error(`--dtype must be float32 or float64, got '${v}'`);
      dtype = v;
    } else if (a === '--rtol' || a === '--atol') {
      const v = Number(args[++i]);
      if (!(v >= 0)) throw new Error(`${a} needs a non-negative number, got '${args[i]}'`);
      if (a === '--rtol') rtol = v;
      else atol = v;
    } else if (a.startsWith('-')) throw new Error(`unknown option '${a}'\n\n${parityHelp}`);
    else if (file) throw new Error(`parity takes one FILE, got '${file}' and '${a}'`);
    else file = a;
  }
  if (!file) throw new Error(`parity needs a FILE\n\n${parityHelp}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read parity file '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
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
    console.error((err as Error).message);
    process.exitCode = 2;
  }
}
