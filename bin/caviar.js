#!/usr/bin/env node
// The `caviar` command. Runs the compiled CLI from dist/ (built by `npm install`).
import { main } from '../dist/cli/main.js';
import { endQuietlyOnClosedPipe } from '../dist/cli/output.js';

endQuietlyOnClosedPipe();
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : String(err)); process.exitCode = 1; },
);
