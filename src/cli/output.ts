/**
 * Where commands write: human text, or with `--json` one JSON object per
 * event (for scripts and CI). Commands never call console directly.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ttyOutput } from './progress.js';

export interface Output {
  /** Plain text meant for a person (help, tables); in JSON mode, an event of type 'text'. */
  text(line: string): void;
  /** A structured event, shown to a person as `human` (nothing when it is empty). */
  event(type: string, data: Record<string, unknown>, human: string): void;
  /**
   * A status line (a progress bar) redrawn in place under the permanent
   * lines. Present only on a terminal: piped and JSON output have no bars,
   * so a command checks `out.progress` before computing one. '' clears it.
   */
  progress?(text: string): void;
}

/** What a live terminal offers: process.stdout, or a fake one in tests. */
export interface Terminal {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
}

/** Bad command-line usage: the message is shown as is and the exit code is 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A study that cannot give what was asked (no complete trial, a missing model file): the work failed, exit 1. */
export class NothingToExport extends Error {
  override name = 'NothingToExport';
}

/**
 * The output of a command. With no `write`, lines go to stdout, and when
 * stdout is a terminal (and not `--json`) progress bars are drawn on it.
 *
 * @example
 *   const out = consoleOutput(false);          // bars when run in a terminal
 *   const lines: string[] = [];
 *   consoleOutput(true, (l) => lines.push(l)); // JSON lines, collected
 */
export function consoleOutput(json: boolean, write?: (line: string) => void, terminal?: Terminal): Output {
  const term = terminal ?? (write === undefined ? process.stdout : undefined);
  if (!json && term?.isTTY) return ttyOutput(term);
  const line = write ?? ((l: string) => term!.write(l + '\n'));
  return json
    ? {
        text: (text) => line(JSON.stringify({ type: 'text', text })),
        event: (type, data) => line(JSON.stringify({ type, ...data })),
      }
    : {
        text: line,
        // An event with no human text is for scripts only (e.g. one row of a table printed after).
        event: (_type, _data, human) => {
          if (human !== '') line(human);
        },
      };
}

/**
 * Creates `folder` if needed and proves it takes a file, so a command fails
 * before any training rather than after an hour of it. Throws UsageError
 * (exit 2) naming the folder, `what` it is for and the system's reason.
 *
 * @example checkWritableFolder('caviar-out/quickstart', 'the output folder (output: in the experiment file)');
 */
export function checkWritableFolder(folder: string, what: string): void {
  const probe = join(folder, `.caviar-write-test-${process.pid}`);
  try {
    makeFolders(folder);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOTDIR' ? 'a part of the path is a file, not a folder'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'EROFS' ? 'the file system is read-only'
      : code === 'ENOENT' ? 'it cannot be created there'
      : (err as Error).message;
    throw new UsageError(`cannot write to ${what} ${folder}: ${reason}${code ? ` (${code})` : ''}; nothing was run`);
  }
}

/**
 * mkdir -p, one level at a time. Node 20's `mkdirSync(path, { recursive: true })`
 * never returns for a path under /proc (it retries ENOENT forever), and
 * `output: /proc/...` is a mistake a person can make.
 */
function makeFolders(folder: string): void {
  const missing: string[] = [];
  for (let f = resolve(folder); !existsSync(f); f = dirname(f)) {
    missing.unshift(f);
    if (dirname(f) === f) break;
  }
  for (const f of missing) mkdirSync(f);
}

/**
 * Output piped into a reader that stops early (`caviar studies | head`) ends
 * the command quietly, as SIGPIPE ends other command-line tools, instead of
 * a stack trace about EPIPE. The `caviar` entry point calls it once.
 *
 * @example endQuietlyOnClosedPipe(); // then: caviar train --epochs 50 | head -3  exits 0
 */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      throw err;
    });
  }
}
