/**
 * The `caviar` command: routes to one file per command. Exit codes scripts
 * can rely on: 0 success, 1 the work failed, 2 bad usage or input.
 */
import { readFileSync } from 'node:fs';
import { redactSecrets } from '../util/redact.js';
import { consoleOutput, UsageError } from './output.js';
import { parityCommand, parityHelp } from './parity.js';
import { bestCommand } from './best.js';
import { dashboardCommand } from './dashboard.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { infoCommand } from './info.js';
import { predictCommand } from './predict.js';
import { showCommand, studiesCommand } from './studies.js';
import { trainCommand } from './train.js';
import { workerCommand } from './worker.js';
import { tuneCommand } from './tune.js';
import { zoomCommand } from './zoom.js';

const commands: Record<string, { summary: string }> = {
  train: { summary: 'train one network (an experiment file, or built-in data) and save it' },
  tune: { summary: "run or resume an experiment's hyperparameter search" },
  studies: { summary: 'list the studies in caviar-out/ (or a study file)' },
  show: { summary: 'a study: best trial, top trials, parameter importance, regions' },
  best: { summary: "export a study's best model (a copy of the trial's file, or retrained)" },
  predict: { summary: 'class probabilities or classes of a saved model on a CSV or IDX file' },
  export: { summary: 'write a saved model as ONNX (raw inputs in, probabilities out), for ONNX Runtime and others' },
  import: { summary: 'read an ONNX file written by caviar export back into a caviar model file' },
  zoom: { summary: 'a coarse-to-fine step: a child study in a narrower space around the best trials' },
  info: { summary: 'show the compute backend in use and the CPU features found' },
  parity: { summary: 'check caviar against reference numbers computed by PyTorch' },
  worker: { summary: 'run trials of a shared study (PostgreSQL) until its budget; start any number, on any machines' },
  dashboard: { summary: 'watch studies live in a browser, and steer a running trial (the panda way)' },
};

/** Names reserved for commands still to come: they route to a clear message (exit 2), never to "unknown command". */
const coming: Record<string, { summary: string; message: string }> = {};

function usage(): string {
  const width = Math.max(...[...Object.keys(commands), ...Object.keys(coming)].map((c) => c.length));
  return [
    'Usage: caviar COMMAND [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    ...(Object.keys(coming).length === 0 ? [] : ['', 'Coming (not in this version):', ...Object.entries(coming).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)]),
    '',
    "Run 'caviar COMMAND --help' for a command's options.",
  ].join('\n');
}

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
      case 'help':
        out.text(usage());
        return command === undefined ? 2 : 0;
      case '--version':
      case '-v':
        out.text(version());
        return 0;
      case 'train':
        return await trainCommand(rest, out);
      case 'tune':
        return await tuneCommand(rest, out);
      case 'studies':
        return await studiesCommand(rest, out);
      case 'show':
        return await showCommand(rest, out);
      case 'best':
        return await bestCommand(rest, out);
      case 'predict':
        return await predictCommand(rest, out);
      case 'export':
        return await exportCommand(rest, out);
      case 'import':
        return await importCommand(rest, out);
      case 'zoom':
        return await zoomCommand(rest, out);
      case 'worker':
        return await workerCommand(rest, out);
      case 'dashboard':
        return await dashboardCommand(rest, out);
      case 'info':
        return infoCommand(rest, out);
      case 'parity':
        return parityCommand(rest, (l) => out.text(l));
      default:
        throw new UsageError(`unknown command '${command}'\n\n${usage()}`);
    }
  } catch (err) {
    // The last guard: a URL in any message (an argument echoed back, a driver's error) loses its password.
    const message = redactSecrets((err as Error).message);
    if (json) fail(JSON.stringify({ type: 'error', message }));
    else if (command !== undefined && command in coming && err instanceof UsageError) fail(message);
    else fail(`caviar ${command ?? ''}: ${message}`.replace(/^caviar : /, 'caviar: '));
    return err instanceof UsageError ? 2 : errorExitCode(err);
  }
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

export { parityHelp };
